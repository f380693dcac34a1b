/**
 * How fraud becomes known, and when. Three routes, as issuers describe them:
 *  - the issuer's fraud team catches the card on its own (a share, the same day: minutes to
 *    hours after one of the fraudulent transactions), labels what happened so far and blocks it;
 *  - otherwise the cardholder reports it: a stolen wallet within hours, a strange charge on the
 *    statement or in the app 3-45 days after the first fraudulent transaction. Each disputed
 *    transaction is labelled when its chargeback is filed, shortly after; transactions the
 *    cardholder does not recognise as fraud (small, or 0.00 checks that never show on a
 *    statement) stay unlabelled. The card is blocked at the report;
 *  - otherwise nobody notices: the fraud is never labelled.
 * Labels are also wrong sometimes: an analyst calls a legitimate but unusual transaction fraud
 * and takes it back when the customer confirms it (a later `fraud: false`), and a dispute
 * sometimes sweeps in one of the customer's own purchases, taken back in part after the
 * merchant's evidence.
 */
import { blockCard } from './cards';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar';
import type { Rng } from './rng';
import { FALSE_POSITIVE, type LabelPlan, type Scenario, type Txn } from './txn';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { max, min } = Math;

export interface DetectionProfile {
  /** Chance that the issuer's own monitoring catches the card at this transaction. */
  readonly issuerCatches: (txn: Txn) => number;
  /** Chance that the cardholder reports the fraud, when the issuer did not. */
  readonly reported: number;
  /** Time from the first fraudulent transaction (or the theft) to the cardholder's report. */
  readonly reportDelay: (rng: Rng) => number;
  /** Time from the report to each transaction's chargeback label. */
  readonly filingDelay: (rng: Rng) => number;
  /** Chance that the cardholder disputes a given fraudulent transaction. */
  readonly disputed: (txn: Txn) => number;
  /** Days from a block to the replacement card. */
  readonly reissueDays: (rng: Rng) => number;
}

/** Dispute delays: 3 to 45 days after the first fraudulent transaction, most in the first two weeks. */
export function statementDelay(medianDays: number): (rng: Rng) => number {
  return (rng) => min(45, max(3, rng.logNormal(medianDays, 0.55))) * DAY_MS + rng.int(0, 8 * 3_600_000);
}

export function issuerDelay(rng: Rng): number {
  return min(12 * HOUR_MS, max(2 * MINUTE_MS, rng.exponential(1.5 * HOUR_MS)));
}

/** Every transaction that will carry a label, in the order it got its first one. */
export class LabelBook {
  readonly labelled: Txn[] = [];

  add(txn: Txn, plan: LabelPlan): void {
    if (!txn.labels) {
      txn.labels = [];
      this.labelled.push(txn);
    }
    txn.labels.push(plan);
  }
}

export interface Settlement {
  /** The fraud transactions that happen (those after a block never do). */
  readonly survivors: Txn[];
  readonly route: 'issuer' | 'cardholder' | 'unnoticed';
  /** When the card was blocked, if it was. */
  readonly blockedAt: number | undefined;
}

export interface SettleOptions {
  /** Where the cardholder's clock starts (the theft); default the first transaction. */
  readonly reportFrom?: number;
  /**
   * Label only: no block, no own purchase swept into the dispute. For the drift scenario, which
   * must leave the rest of the history as it was (a block changes what the cardholder and every
   * typology can do with the card afterwards). The fraudster's later uses are still dropped.
   */
  readonly labelsOnly?: boolean;
}

/**
 * Decides how one incident (one card's fraudulent transactions, planned in full) becomes known:
 * labels the transactions, blocks the card, and drops what comes after the block.
 */
export function settle(
  txns: readonly Txn[],
  scenario: Scenario,
  profile: DetectionProfile,
  rng: Rng,
  book: LabelBook,
  options: SettleOptions = {},
): Settlement {
  const { reportFrom, labelsOnly = false } = options;
  const ordered = [...txns].sort((a, b) => a.at - b.at);
  const first = ordered[0];
  if (!first) return { survivors: [], route: 'unnoticed', blockedAt: undefined };
  const card = first.card;

  for (const txn of ordered) {
    if (!rng.chance(profile.issuerCatches(txn))) continue;
    const caught = txn.at + issuerDelay(rng);
    const survivors = ordered.filter((t) => t.at <= caught);
    for (const t of survivors) book.add(t, { fraud: true, reportedAt: caught + rng.int(MINUTE_MS, 40 * MINUTE_MS), scenario });
    if (!labelsOnly) blockCard(card, caught, profile.reissueDays(rng));
    return { survivors, route: 'issuer', blockedAt: labelsOnly ? undefined : caught };
  }

  if (rng.chance(profile.reported)) {
    const reportedAt = max((reportFrom ?? first.at) + profile.reportDelay(rng), first.at + MINUTE_MS);
    const survivors = ordered.filter((t) => t.at < reportedAt);
    for (const t of survivors) {
      if (rng.chance(profile.disputed(t))) book.add(t, { fraud: true, reportedAt: max(reportedAt + profile.filingDelay(rng), t.at + MINUTE_MS), scenario });
    }
    if (!labelsOnly) {
      blockCard(card, reportedAt, profile.reissueDays(rng));
      sweepInOwnPurchase(first, reportedAt, rng, book);
    }
    return { survivors, route: 'cardholder', blockedAt: labelsOnly ? undefined : reportedAt };
  }
  return { survivors: ordered, route: 'unnoticed', blockedAt: undefined };
}

/** A dispute sometimes includes one of the customer's own recent purchases by mistake. */
function sweepInOwnPurchase(first: Txn, reportedAt: number, rng: Rng, book: LabelBook): void {
  if (!rng.chance(0.07)) return;
  const own = first.customer.recent.filter((t) => t.truth === undefined && !t.labels && t.amount > 0 && t.at > first.at - 10 * DAY_MS && t.at < reportedAt);
  if (own.length === 0) return;
  const mistaken = rng.pick(own);
  book.add(mistaken, { fraud: true, reportedAt: reportedAt + rng.int(MINUTE_MS, DAY_MS), scenario: FALSE_POSITIVE });
  if (rng.chance(0.6)) book.add(mistaken, { fraud: false, reportedAt: reportedAt + rng.uniform(10, 40) * DAY_MS, scenario: FALSE_POSITIVE });
}

/** An analyst labels a legitimate transaction fraud; the customer confirms it within days. */
export function analystMistake(txn: Txn, rng: Rng, book: LabelBook): void {
  const flagged = txn.at + rng.int(10 * MINUTE_MS, 8 * HOUR_MS);
  book.add(txn, { fraud: true, reportedAt: flagged, scenario: FALSE_POSITIVE });
  const confirmed = flagged + min(7 * DAY_MS, max(HOUR_MS, rng.logNormal(20 * HOUR_MS, 1)));
  book.add(txn, { fraud: false, reportedAt: confirmed, scenario: FALSE_POSITIVE });
}
