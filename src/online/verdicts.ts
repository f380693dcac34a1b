/**
 * What the online learner has been taught about one transaction, and what a new verdict on it
 * changes. A transaction is learnt from at most once per verdict: a redelivered label changes
 * nothing, and a correction takes back the earlier example (an FTRL update with the opposite
 * weight, `update` in ftrl.ts) before learning the new one.
 *
 * - `fraud`, `legit`: a label on the `fraud-labels` topic (chargeback, analyst, customer).
 * - `matured`: no fraud label within the maturity period; learnt as legitimate.
 */
export type Verdict = 'fraud' | 'legit' | 'matured';

/** One example to learn: y the label, sign +1 to learn it, -1 to take it back. */
export interface Step {
  readonly y: 0 | 1;
  readonly sign: 1 | -1;
}

export interface VerdictChange {
  /** Applied in order, each with the transaction's importance weight times its sign. */
  readonly steps: readonly Step[];
  /** What the transaction then counts as. */
  readonly verdict: Verdict;
}

const LEARN_FRAUD: Step = { y: 1, sign: 1 };
const LEARN_LEGIT: Step = { y: 0, sign: 1 };
const UNDO_FRAUD: Step = { y: 1, sign: -1 };
const UNDO_LEGIT: Step = { y: 0, sign: -1 };

/**
 * The steps from what a transaction counts as to what `next` says:
 * - nothing learnt yet: learn it (a matured negative as legitimate);
 * - the same side again (fraud after fraud, legit after legit or matured): nothing;
 * - a fraud label after legit or matured: take the negative back, learn the fraud (chargebacks
 *   often come after the maturity period; this is how they still count);
 * - a legit label after fraud: take the fraud back, learn it as legitimate (a dispute withdrawn);
 * - maturity after any label: nothing, the label already said more.
 */
export function verdictChange(previous: Verdict | null, next: Verdict): VerdictChange {
  if (previous === null) return { steps: [next === 'fraud' ? LEARN_FRAUD : LEARN_LEGIT], verdict: next };
  if (next === 'matured') return { steps: [], verdict: previous };
  if (next === 'fraud') return previous === 'fraud' ? { steps: [], verdict: previous } : { steps: [UNDO_LEGIT, LEARN_FRAUD], verdict: 'fraud' };
  return previous === 'fraud' ? { steps: [UNDO_FRAUD, LEARN_LEGIT], verdict: 'legit' } : { steps: [], verdict: previous };
}
