import { z } from 'zod';

/**
 * The public contract. Field names and meanings are stable: extend only with optional fields.
 * Unknown fields are stripped (zod's default) so producers can add fields before we read them.
 */
const isoCurrency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as "EUR"');
const rfc3339 = z.iso.datetime({ offset: true, message: 'an RFC 3339 timestamp such as "2026-11-25T10:00:00Z"' });

/**
 * An identifier: 1-128 characters of well-formed Unicode. A lone UTF-16 surrogate (which JSON's
 * `\ud800` escape can carry) has no UTF-8 form, so Redis would store it as U+FFFD and two
 * different ids would share one key: one transaction answered with another's decision, or
 * refused as a reuse.
 */
const id = () =>
  z
    .string()
    .min(1)
    .max(128)
    .refine((s) => s.isWellFormed(), 'well-formed Unicode (no lone UTF-16 surrogate)');

export const channelSchema = z.enum(['card_present', 'ecommerce', 'atm', 'other']);

export const locationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const transactionSchema = z.object({
  transactionId: id(),
  occurredAt: rfc3339,
  cardId: id(),
  merchantId: id(),
  // 0 is ordinary traffic: account-verification authorisations (and a card-testing signal).
  amount: z.number().min(0).max(1e12),
  currency: isoCurrency,
  customerId: id().optional(),
  merchantCategory: z
    .string()
    .regex(/^\d{4}$/, 'a 4-digit merchant category code')
    .optional(),
  channel: channelSchema.optional(),
  deviceId: id().optional(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
  location: locationSchema.optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code')
    .optional(),
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
  // Optional, with the online model on (ONLINE_MODEL shadow or live): the base model's score and
  // the online model's, whichever of them `score` is (or combines), and the online version.
  scoreParts: z.object({ base: z.number().min(0).max(1).nullable(), online: z.number().min(0).max(1).nullable() }).optional(),
  onlineModelVersion: z.number().int().nonnegative().optional(),
});
export type Decision = z.infer<typeof decisionSchema>;

export const fraudLabelSchema = z.object({
  transactionId: id(),
  fraud: z.boolean(),
  reportedAt: rfc3339,
  // Optional: the labelled transaction's card, merchant and time. Without them the service
  // looks the transaction up in its stored decisions (kept DECISION_TTL_SECONDS); a label
  // for an older transaction must carry all three to count.
  cardId: id().optional(),
  merchantId: id().optional(),
  occurredAt: rfc3339.optional(),
  // Optional: who labelled it. `source` is free text ("chargeback", "issuer-report"); the
  // analyst console writes "analyst", whose labels the online model bounds on their own.
  // `author`: the person or system, for the audit trail. Labels were taken with any extra
  // fields before these existed, so a value that is not one (blank, too long, not a string) is
  // dropped rather than dead-lettering the label.
  source: z.string().trim().min(1).max(64).optional().catch(undefined),
  author: z.string().trim().min(1).max(128).optional().catch(undefined),
});
export type FraudLabel = z.infer<typeof fraudLabelSchema>;
