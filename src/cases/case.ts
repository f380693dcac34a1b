import { z } from 'zod';
import { FEATURE_NAMES } from '../model/feature-catalogue';
import { overrideActionSchema, overrideEntitySchema, overrideRequestSchema } from '../rules/overrides';
import { decisionSchema, transactionSchema, type Decision, type Transaction } from '../transactions/transaction.schema';

/**
 * A review case: what an analyst needs to decide one `review` decision, written once when the
 * decision is stored (from HTTP and Kafka alike) and never changed; its state (open, claimed,
 * closed with a verdict) and its audit log live beside it in Redis (case.store.ts).
 */
export const caseDocSchema = z.object({
  transactionId: z.string(),
  openedAt: z.iso.datetime(),
  /** The queue's order: higher first (casePriority). */
  priority: z.number(),
  transaction: transactionSchema,
  decision: decisionSchema,
  /** The features as the model saw them, by catalogue name; null when the velocity check gave none. */
  features: z.record(z.string(), z.number()).nullable(),
});
export type CaseDoc = z.infer<typeof caseDocSchema>;

export const VERDICTS = ['fraud', 'legitimate', 'inconclusive'] as const;
export const verdictSchema = z.enum(VERDICTS);
export type CaseVerdict = z.infer<typeof verdictSchema>;

/** POST /v1/cases/:transactionId/override's body: block or allow this case's card, merchant or device until a time. */
export const caseOverrideRequestSchema = (now: number) =>
  // The admin API's override request, without the entity id (the case's) and the author (the analyst).
  overrideRequestSchema(now).pick({ entity: true, action: true, expiresAt: true, reason: true });

/** POST /v1/cases/:transactionId/verdict's body. */
export const verdictRequestSchema = z.strictObject({ verdict: verdictSchema, comment: z.string().trim().max(2000).optional() });

export const auditEntrySchema = z.object({
  at: z.iso.datetime(),
  analyst: z.string(),
  action: z.enum(['claimed', 'released', 'closed', 'override']),
  verdict: verdictSchema.optional(),
  comment: z.string().optional(),
  /** For action `override`: what was blocked or allowed, until when. */
  override: z.object({ entity: overrideEntitySchema, action: overrideActionSchema, expiresAt: z.iso.datetime() }).optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

// The score decides the order, the amount breaks ties: 1,001 score steps above amounts in
// cents capped below 1e12 (10 billion), which keeps every priority an exact double (< 2^53).
const AMOUNT_CAP_CENTS = 1e12 - 1;

/**
 * A case's place in the queue: the decision's score first (a case without one, sent to review
 * by a rule alone, ranks as 0.5), then the amount. Exact ties (same score to 0.001, same
 * amount) come in Redis's order for equal sort keys, by transaction id.
 */
export function casePriority(decision: Pick<Decision, 'score'>, tx: Pick<Transaction, 'amount'>): number {
  const score = Math.round((decision.score ?? 0.5) * 1000);
  const cents = Math.min(Math.max(Math.round(tx.amount * 100), 0), AMOUNT_CAP_CENTS);
  return score * 1e12 + cents;
}

/** The case a review decision opens, with the catalogue row (featureVector's) its features came to, if any. */
export function caseOf(tx: Transaction, decision: Decision, catalogueRow: readonly number[] | null, now: Date): CaseDoc {
  return {
    transactionId: decision.transactionId,
    openedAt: now.toISOString(),
    priority: casePriority(decision, tx),
    transaction: tx,
    decision,
    features: catalogueRow === null ? null : Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, catalogueRow[i] ?? -1])),
  };
}
