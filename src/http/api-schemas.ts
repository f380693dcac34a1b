import { z } from 'zod';
import { auditEntrySchema, verdictSchema } from '../cases/case';
import { overrideSchema } from '../rules/overrides';
import { activationSchema } from '../rules/rule-version.store';
import { decisionOutcomeSchema, decisionSchema, transactionSchema } from '../transactions/transaction.schema';
import { ERROR_CODES, type ErrorCode } from './errors';

/**
 * The response shapes of the admin and health endpoints, as zod schemas: the controllers'
 * return types are inferred from them and the OpenAPI document is generated from them, so the
 * document cannot drift from what the code returns. Request bodies and the decision itself
 * already have their schemas next to the code that parses them.
 */
const timestamp = z.iso.datetime({ offset: true });

export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });

/** The error body, with `code` narrowed to the codes an operation can return at that status. */
export const errorBodySchema = (codes: readonly ErrorCode[]) =>
  z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.array(fieldErrorSchema).optional(),
    }),
  });

export const allErrorCodes = Object.keys(ERROR_CODES) as ErrorCode[];

export const versionSummarySchema = z.object({
  v: z.number().int().positive().meta({ description: 'The store number of the version: what activate and shadow take.' }),
  version: z.string().meta({ description: 'The document\'s own "version".' }),
  description: z.string().nullable(),
  status: z.enum(['active', 'shadow', 'inactive']),
  createdAt: timestamp,
});
export type VersionSummary = z.infer<typeof versionSummarySchema>;

export const rulesOverviewSchema = z.object({
  active: versionSummarySchema.nullable(),
  shadow: versionSummarySchema.nullable(),
  versions: z.array(versionSummarySchema),
  activations: z.array(activationSchema).meta({ description: 'The last 20 activations, newest first.' }),
});

export const versionDetailSchema = versionSummarySchema.extend({
  document: z.unknown().meta({ description: 'The rule-set document as it was submitted.' }),
});
export const activatedSchema = z.object({
  active: versionSummarySchema,
  changed: z.boolean().meta({ description: 'false when the version was already active.' }),
});
export const shadowSetSchema = z.object({ shadow: versionSummarySchema });
export const shadowClearedSchema = z.object({ shadow: z.null() });

export const onlineOverviewSchema = z.object({
  mode: z.enum(['off', 'shadow', 'live']),
  combination: z.enum(['blend', 'residual']),
  version: z.number().int().nonnegative().meta({ description: 'The version in Redis (0: nothing learnt).' }),
  serving: z.number().int().nonnegative().nullable().meta({ description: 'The version this instance scores with; null before it first read one.' }),
  warm: z.boolean(),
  positives: z.number().nonnegative(),
  negatives: z.number().nonnegative(),
  updatedAt: z.string().nullable(),
  snapshots: z.array(z.object({ version: z.number().int().positive(), updatedAt: z.string().nullable() })),
});
export type OnlineOverview = z.infer<typeof onlineOverviewSchema>;

export const onlineSnapshotSchema = z.object({
  version: z.number().int().positive().nullable().meta({ description: 'The version snapshotted; null while nothing has been learnt.' }),
});
export const onlineRollbackSchema = z.object({ version: z.number().int().positive(), from: z.number().int().positive() });
export const onlineResetSchema = z.object({ version: z.number().int().positive() });

export const caseSchema = z.object({
  transactionId: z.string(),
  status: z.enum(['open', 'closed']),
  claimedBy: z.string().nullable().meta({ description: 'The analyst holding the case now (open cases), or null.' }),
  verdict: verdictSchema.nullable(),
  closedBy: z.string().nullable(),
  closedAt: timestamp.nullable(),
  openedAt: timestamp,
  priority: z.number().meta({ description: "The queue's order, higher first: the decision's score (0.5 for a rule-only review), then the amount." }),
  transaction: transactionSchema,
  decision: decisionSchema,
  features: z
    .record(z.string(), z.number())
    .nullable()
    .meta({ description: 'The features as the model saw them, by catalogue name (the README lists their meanings); null when none were computed.' }),
  overrides: z
    .array(overrideSchema)
    .meta({ description: "The allow and block overrides in force on the case's card, merchant and device (empty in the queue listing)." }),
  audit: z.array(auditEntrySchema).meta({ description: 'Who claimed, released and closed the case, and when (empty in the queue listing).' }),
  cardHistory: z
    .array(
      z.object({
        transactionId: z.string(),
        decidedAt: timestamp,
        decision: decisionOutcomeSchema,
        score: z.number().nullable(),
        amount: z.number(),
        currency: z.string(),
      }),
    )
    .optional()
    .meta({ description: "The card's latest decisions, newest first (CARD_HISTORY_SIZE of them, this one among them); on a single case only." }),
});

export const overviewSchema = z.object({
  generatedAt: timestamp,
  minutes: z
    .array(z.object({ minute: z.string(), approve: z.number().int(), deny: z.number().int(), review: z.number().int() }))
    .meta({ description: 'Decisions per UTC minute (`YYYY-MM-DDTHH:MM`) by outcome, oldest first, from every instance.' }),
  days: z.number().int().meta({ description: 'The days the rules are counted over (today included).' }),
  queue: z.object({ open: z.number().int(), oldestOpenedAt: timestamp.nullable() }).meta({ description: 'Open cases now, and when the oldest was opened.' }),
  rules: z
    .array(z.object({ rule: z.string(), hits: z.number().int(), fraud: z.number().int(), legitimate: z.number().int(), precision: z.number().nullable() }))
    .meta({
      description:
        "The rules with the most hits over the days, with the analysts' fraud and legitimate verdicts on cases they sent to review and the precision of those (null before any verdict).",
    }),
});

export const caseQueueSchema = z.object({
  total: z.number().int().nonnegative().meta({ description: 'Open cases in the queue.' }),
  offset: z.number().int().nonnegative(),
  cases: z.array(caseSchema),
});

export const consoleSessionSchema = z.object({
  analyst: z.string(),
  csrfToken: z.string().meta({ description: 'Send it as `X-CSRF-Token` with every console request that changes something.' }),
  expiresAt: timestamp,
});
