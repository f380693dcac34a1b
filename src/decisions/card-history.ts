import type { Decision, DecisionOutcome, Transaction } from '../transactions/transaction.schema';

/** One of a card's recent decisions, as the console's case page shows it. */
export interface HistoryEntry {
  readonly transactionId: string;
  readonly decidedAt: string;
  readonly decision: DecisionOutcome;
  readonly score: number | null;
  readonly amount: number;
  readonly currency: string;
}

const OUTCOME_CODE: Readonly<Record<DecisionOutcome, string>> = { approve: 'a', deny: 'd', review: 'r' };
const CODE_OUTCOME: Readonly<Record<string, DecisionOutcome>> = { a: 'approve', d: 'deny', r: 'review' };

/**
 * One list entry, compact because a card keeps CARD_HISTORY_SIZE of them: the decision time in
 * ms, the outcome's letter, the score in thousandths (empty when none), the amount, the currency
 * and, last because it may hold any character but none of these fields do, the transaction id.
 */
export function encodeHistory(
  tx: Pick<Transaction, 'amount' | 'currency'>,
  decision: Pick<Decision, 'transactionId' | 'decision' | 'score' | 'decidedAt'>,
): string {
  const score = decision.score === null ? '' : String(Math.round(decision.score * 1000));
  return `${String(Date.parse(decision.decidedAt))}|${OUTCOME_CODE[decision.decision]}|${score}|${String(tx.amount)}|${tx.currency}|${decision.transactionId}`;
}

/** An entry back; null for one that does not parse (never trusted as data). */
export function decodeHistory(raw: string): HistoryEntry | null {
  const parts = raw.split('|');
  if (parts.length < 6) return null;
  const [ms, code, score, amount, currency] = parts as [string, string, string, string, string];
  const decision = CODE_OUTCOME[code];
  const at = Number(ms);
  const value = Number(amount);
  if (decision === undefined || !Number.isFinite(at) || !Number.isFinite(value) || !/^[A-Z]{3}$/.test(currency) || (score !== '' && !/^\d{1,4}$/.test(score)))
    return null;
  return {
    transactionId: parts.slice(5).join('|'),
    decidedAt: new Date(at).toISOString(),
    decision,
    score: score === '' ? null : Number(score) / 1000,
    amount: value,
    currency,
  };
}
