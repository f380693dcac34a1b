import { z } from 'zod';

/**
 * One versioned rule-set document (see default-rules.json). Parsing it also compiles it:
 * id lists become Sets and per-currency amounts become Maps, so a rule costs a lookup per
 * transaction rather than a scan.
 *
 * Objects are strict, unlike the transaction contract: this file is written by people, and a
 * misspelt optional key ("enable": false) must fail the deploy rather than be ignored.
 */

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as "EUR"');

const amountsByCurrency = (amount: z.ZodNumber) =>
  z.record(currencyCode, amount).transform((byCurrency): ReadonlyMap<string, number> => new Map(Object.entries(byCurrency)));

const idSet = z.array(z.string().min(1).max(128)).transform((ids): ReadonlySet<string> => new Set(ids));

// Rule ids end up as the `rule` metric label and in every decision's ruleHits, so keep them short slugs.
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a lowercase slug of at most 64 characters such as "amount-over-average"');

// Not z.int(): its fraction error aborts the parse (continue: false), which would skip the
// duplicate-id check below and hide those errors until the next attempt.
// The meta tells the generated JSON Schema (the OpenAPI document) what the refinement checks.
const integer = (min: number) => z.number().min(min).refine(Number.isSafeInteger, 'expected an integer').meta({ type: 'integer' });

const scoringAction = z.enum(['deny', 'review', 'flag']);

const rule = <T extends string, A extends z.ZodType, P extends z.ZodType>(type: T, action: A, params: P) =>
  z.strictObject({
    id: ruleId,
    description: z.string(),
    type: z.literal(type),
    action,
    enabled: z.boolean().default(true),
    // A shadow rule runs on live traffic after the decision is out: its hits are counted and
    // published, never applied. Documents without the key stay live, as they always were.
    mode: z.enum(['live', 'shadow']).default('live'),
    params,
  });

// '7d' / '30d' count frauds by the fraud's own day up to today, as far as labels have arrived
// (at a 7-day label delay '7d' sees none); 'known' is every fraud on the card known now; the
// delayed windows end LABEL_DELAY_DAYS before today, so their labels have had time to arrive.
export const cardFraudWindowSchema = z.enum(['7d', '30d', 'known', 'delayed-30d']);
export const merchantFraudWindowSchema = z.enum(['7d', '30d', 'delayed-1d', 'delayed-7d', 'delayed-30d']);
export type CardFraudWindow = z.infer<typeof cardFraudWindowSchema>;
export type MerchantFraudWindow = z.infer<typeof merchantFraudWindowSchema>;
export type FraudWindow = CardFraudWindow | MerchantFraudWindow;

/**
 * minRate: also the share of the window's transactions that were confirmed fraud must reach
 * it; only the delayed windows have the matching transaction counts.
 */
const minRateNeedsDelay = (p: { window: string; minRate?: number | undefined }) => p.minRate === undefined || p.window.startsWith('delayed-');
const minRateIssue = { message: 'minRate needs a delayed window (delayed-1d, delayed-7d or delayed-30d)', path: ['minRate'] };
const minRate = z.number().gt(0).max(1).optional();

export const velocityWindowSchema = z.enum(['1m', '1h', '24h']);
export type VelocityWindow = z.infer<typeof velocityWindowSchema>;

export const ruleSchema = z.discriminatedUnion('type', [
  rule('amount_over_average', scoringAction, z.strictObject({ multiplier: z.number().gt(1), minHistoryCount: integer(1) })),
  // Fires when the window's count including this transaction reaches maxCount ("10 or more").
  rule('card_velocity', scoringAction, z.strictObject({ window: velocityWindowSchema, maxCount: integer(1) })),
  rule('impossible_travel', scoringAction, z.strictObject({ maxKmh: z.number().positive(), minKm: z.number().min(0) })),
  rule('amount_ceiling', scoringAction, z.strictObject({ ceilings: amountsByCurrency(z.number().positive()) })),
  // Per currency only: one default threshold would compare 500 JPY with 500 EUR.
  rule('new_device_high_amount', scoringAction, z.strictObject({ minAmount: amountsByCurrency(z.number().min(0)) })),
  // Confirmed frauds (fraud-labels) on the card, or at the merchant, within the window reach minCount.
  rule(
    'card_fraud_history',
    scoringAction,
    z.strictObject({ window: cardFraudWindowSchema, minCount: integer(1), minRate }).refine(minRateNeedsDelay, minRateIssue),
  ),
  rule(
    'merchant_fraud_history',
    scoringAction,
    z.strictObject({ window: merchantFraudWindowSchema, minCount: integer(1), minRate }).refine(minRateNeedsDelay, minRateIssue),
  ),
  // Lists carry a fixed action so the policy's precedence (blocklist > allowlist > other rules) is not configurable by accident.
  rule('card_blocklist', z.literal('deny'), z.strictObject({ ids: idSet })),
  rule('merchant_blocklist', z.literal('deny'), z.strictObject({ ids: idSet })),
  rule('card_allowlist', z.literal('allow'), z.strictObject({ ids: idSet })),
  rule('merchant_allowlist', z.literal('allow'), z.strictObject({ ids: idSet })),
]);

// Runs even when some rules are invalid so one parse reports every problem; hence the defensive narrowing.
function reportDuplicateIds(rules: readonly unknown[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((candidate, index) => {
    if (typeof candidate !== 'object' || candidate === null || !('id' in candidate) || typeof candidate.id !== 'string') return;
    if (seen.has(candidate.id)) {
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate rule id "${candidate.id}"` });
    }
    seen.add(candidate.id);
  });
}

export const ruleSetSchema = z.strictObject({
  version: z.string().min(1).max(128),
  description: z.string().optional(),
  rules: z.array(ruleSchema).superRefine(reportDuplicateIds, { when: (payload) => Array.isArray(payload.value) }),
});

/** The JSON document as written. */
export type RuleSetDocument = z.input<typeof ruleSetSchema>;
/** The parsed, compiled rule set the engine evaluates. */
export type RuleSet = z.output<typeof ruleSetSchema>;
export type Rule = RuleSet['rules'][number];
export type RuleType = Rule['type'];
export type RuleAction = Rule['action'];
export type RuleMode = Rule['mode'];
