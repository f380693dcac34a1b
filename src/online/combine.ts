import { createHash } from 'node:crypto';

/**
 * How the online learner's output and the batch model's score make one score, and which
 * decisions keep the row a later label would train on. Pure: the service and `npm run
 * evaluate` call the same functions.
 *
 * Two combinations:
 * - `blend`: (1 - w) base + w online, the reference design, with `online` a learner of its own
 *   (offset 0). With an online score near 0 the blend cannot pass 1 - w, so a 0.8 deny
 *   threshold is out of reach at w = 0.3 whatever the base says.
 * - `residual`: one learner of corrections on the base model's log-odds,
 *   sigmoid(logit(base) + w . x). With all weights at 0 it is the base score exactly, so the
 *   thresholds keep their meaning from the first decision, and it moves only where labels
 *   showed the base wrong. Without a base model (MODEL_PATH=none) the offset is 0 and it is
 *   an online model alone.
 */
export type Combination = 'blend' | 'residual';

// A base score of exactly 0 or 1 (a tree ensemble can give one) would be an infinite offset.
const P_LIMIT = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - P_LIMIT, Math.max(P_LIMIT, p));
  return Math.log(q / (1 - q));
}

/** The reference blend, for a weight w in [0, 1]. */
export const blend = (base: number, online: number, w: number): number => (1 - w) * base + w * online;

/** The residual learner's offset for a base score; 0 (no prior) without one. */
export const residualOffset = (base: number | null): number => (base === null ? 0 : logit(base));

/** A transaction id's fixed point in [0, 1): the same on every instance, so a sample is reproducible. */
export function unitHash(transactionId: string): number {
  return createHash('sha1').update(transactionId).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Whether a decision's row is kept for the labels to come, and the importance weight its
 * examples then carry: every flagged decision (review or deny) at weight 1, since most labels
 * are on those; an approved one with probability `sampleRate` at weight 1 / sampleRate, so the
 * approved frauds and matured negatives learnt are, in expectation, all of them. Null: not kept.
 */
export function rowWeight(transactionId: string, flagged: boolean, sampleRate: number): number | null {
  if (flagged) return 1;
  if (sampleRate <= 0) return null;
  return unitHash(transactionId) < sampleRate ? 1 / sampleRate : null;
}
