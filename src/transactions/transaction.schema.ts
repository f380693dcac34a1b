import { z } from 'zod';

/**
 * The public contract. Field names and meanings are stable: extend only with optional fields.
 * Unknown fields are stripped (zod's default) so producers can add fields before we read them.
 */
const isoCurrency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as "EUR"');
const rfc3339 = z.iso.datetime({ offset: true, message: 'an RFC 3339 timestamp such as "2026-11-25T10:00:00Z"' });

export const channelSchema = z.enum(['card_present', 'ecommerce', 'atm', 'other']);

export const locationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const transactionSchema = z.object({
  transactionId: z.string().min(1).max(128),
  occurredAt: rfc3339,
  cardId: z.string().min(1).max(128),
  merchantId: z.string().min(1).max(128),
  // 0 is ordinary traffic: account-verification authorisations (and a card-testing signal).
  amount: z.number().min(0).max(1e12),
  currency: isoCurrency,
  customerId: z.string().min(1).max(128).optional(),
  merchantCategory: z.string().regex(/^\d{4}$/, 'a 4-digit merchant category code').optional(),
  channel: channelSchema.optional(),
  deviceId: z.string().min(1).max(128).optional(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
  location: locationSchema.optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code').optional(),
});
export type Transaction = z.infer<typeof transactionSchema>;

export const decisionOutcomeSchema = z.enum(['approve', 'deny', 'review']);
export type DecisionOutcome = z.infer<typeof decisionOutcomeSchema>;

export const reasonSchema = z.object({ code: z.string().min(1), message: z.string() });
export type Reason = z.infer<typeof reasonSchema>;

export const decisionSchema = z.object({
  transactionId: z.string().min(1).max(128),
  decision: decisionOutcomeSchema,
  score: z.number().min(0).max(1).nullable(),
  reasons: z.array(reasonSchema),
  ruleHits: z.array(z.string()),
  modelVersion: z.string().nullable(),
  rulesVersion: z.string(),
  degraded: z.boolean(),
  latencyMs: z.number().nonnegative(),
  decidedAt: rfc3339,
});
export type Decision = z.infer<typeof decisionSchema>;

export const fraudLabelSchema = z.object({
  transactionId: z.string().min(1).max(128),
  fraud: z.boolean(),
  reportedAt: rfc3339,
  // Optional: the labelled transaction's card, merchant and time. Without them the service
  // looks the transaction up in its stored decisions (kept DECISION_TTL_SECONDS); a label
  // for an older transaction must carry all three to count.
  cardId: z.string().min(1).max(128).optional(),
  merchantId: z.string().min(1).max(128).optional(),
  occurredAt: rfc3339.optional(),
});
export type FraudLabel = z.infer<typeof fraudLabelSchema>;
