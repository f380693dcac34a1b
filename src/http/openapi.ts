import { z } from 'zod';
import { caseOverrideRequestSchema, verdictRequestSchema } from '../cases/case';
import { signInSchema } from '../cases/session.store';
import { OVERVIEW_LIMITS } from '../cases/overview';
import { liveSchema, readySchema } from '../health/health.controller';
import { ruleSetSchema } from '../rules/rule-set.schema';
import { overrideActionSchema, overrideEntitySchema, overrideRequestSchema, overrideSchema } from '../rules/overrides';
import { decisionSchema, transactionSchema } from '../transactions/transaction.schema';
import {
  activatedSchema,
  consoleSessionSchema,
  caseQueueSchema,
  overviewSchema,
  caseSchema,
  errorBodySchema,
  onlineOverviewSchema,
  onlineResetSchema,
  onlineRollbackSchema,
  onlineSnapshotSchema,
  rulesOverviewSchema,
  shadowClearedSchema,
  shadowSetSchema,
  versionDetailSchema,
} from './api-schemas';
import { ERROR_CODES, type ErrorCode } from './errors';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that guard each boundary and from
 * one table of operations below. The table names each route as Fastify registers it; a test
 * compares it with the routes the running service has, so a route cannot exist undocumented.
 */

export const API_VERSION = '0.1.0';

/** The files /docs loads: the Swagger UI package's, and its start-up script. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'docs.js'] as const;

/** The files the analyst console's page loads (src/console/web, and the feature catalogue's meanings). */
export const CONSOLE_ASSETS = ['console.js', 'console.css', 'features.json'] as const;

type Auth = 'none' | 'scoring' | 'admin' | 'review';
type Method = 'GET' | 'POST' | 'DELETE';

interface Param {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly description: string;
}

interface Body {
  readonly contentType: string;
  readonly schema: z.ZodType | { readonly $ref: string };
}

export interface OperationSpec {
  readonly method: Method;
  /** As Fastify registers it: `:name` for a path parameter. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: 'decisions' | 'cases' | 'rules' | 'overrides' | 'online' | 'operations';
  readonly summary: string;
  readonly description?: string;
  readonly auth: Auth;
  readonly params?: readonly Param[];
  /** Query string parameters, all optional. */
  readonly query?: readonly Param[];
  readonly body?: Body;
  readonly ok: { readonly status: number; readonly description: string; readonly content?: readonly Body[] };
  /** OpenAPI links: the operations the success response's fields address (operationId -> parameter -> field). */
  readonly links?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Other success statuses without a body (204 for "nothing to return"). */
  readonly extraStatuses?: Readonly<Record<number, string>>;
  /** Codes this operation itself returns; those its auth and body imply are added. */
  readonly errors: readonly ErrorCode[];
  readonly headers?: Readonly<Record<number, Record<string, { description: string; required: boolean }>>>;
}

const json = (schema: Body['schema']): Body => ({ contentType: 'application/json', schema });
const ref = (name: keyof typeof NAMED): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** Schemas shown once under components and referred to by name. */
const NAMED = {
  Transaction: { schema: transactionSchema, io: 'input' },
  Decision: { schema: decisionSchema, io: 'output' },
  RuleSetDocument: { schema: ruleSetSchema, io: 'input' },
  OverrideRequest: { schema: overrideRequestSchema(0), io: 'input' },
  Override: { schema: overrideSchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

const rulesVersion: Param = { name: 'v', schema: z.string().regex(/^[1-9]\d{0,9}$/), description: "A rules version's store number (`v` in the listing)." };
const onlineVersion: Param = { name: 'version', schema: z.string().regex(/^[1-9]\d{0,9}$/), description: 'The version of an online-model snapshot.' };
const retryAfter = { 'retry-after': { description: 'Seconds to wait before retrying (OVERLOADED, DECISION_IN_PROGRESS).', required: false } };

export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/v1/decisions',
    operationId: 'decide',
    tag: 'decisions',
    auth: 'scoring',
    summary: 'Decide one transaction: approve, deny or review, with reasons',
    description:
      'Idempotent per `transactionId`: a retry with the same payload gets the stored decision; the same id with another payload is refused (409 `IDEMPOTENCY_CONFLICT`). A request whose card-number-like digits pass the Luhn check is refused with 400 `CARD_NUMBER_DETECTED`, wherever they are.',
    body: json(ref('Transaction')),
    ok: { status: 200, description: 'The decision.', content: [json(ref('Decision'))] },
    links: { getDecision: { transactionId: 'transactionId' } },
    errors: ['VALIDATION_FAILED', 'CARD_NUMBER_DETECTED', 'IDEMPOTENCY_CONFLICT', 'DECISION_IN_PROGRESS', 'OVERLOADED'],
    headers: { 409: retryAfter, 503: retryAfter },
  },
  {
    method: 'GET',
    path: '/v1/decisions/:transactionId',
    operationId: 'getDecision',
    tag: 'decisions',
    auth: 'scoring',
    summary: 'The stored decision for a transaction (kept DECISION_TTL_SECONDS)',
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The transaction's id as it was sent." }],
    ok: { status: 200, description: 'The decision as it was made.', content: [json(ref('Decision'))] },
    errors: ['INVALID_TRANSACTION_ID', 'DECISION_NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/v1/cases',
    operationId: 'listCases',
    tag: 'cases',
    auth: 'review',
    summary: 'The open review cases, highest priority first (score, then amount), with who holds each',
    query: [
      { name: 'offset', schema: z.coerce.number().int().min(0).max(1_000_000), description: 'Cases to skip (default 0).' },
      { name: 'limit', schema: z.coerce.number().int().min(1).max(200), description: 'Cases to return (default 50, at most 200).' },
      { name: 'cardId', schema: z.string().min(1).max(128), description: "Instead of the open queue: this card's cases, open and closed, newest first." },
    ],
    ok: { status: 200, description: 'A page of the queue.', content: [json(caseQueueSchema)] },
    errors: ['INVALID_CASE_REQUEST'],
  },
  {
    method: 'GET',
    path: '/v1/overview',
    operationId: 'overview',
    tag: 'cases',
    auth: 'review',
    summary: "The console's overview: decisions per minute by outcome, the queue's depth and age, the top rules by hits and by analysts' precision",
    description: "Counted in Redis by every instance, so the figures are the whole deployment's, not the answering instance's.",
    query: [
      { name: 'minutes', schema: z.coerce.number().int().min(1).max(OVERVIEW_LIMITS.minutes), description: 'Minutes of decisions, up to now (default 60).' },
      {
        name: 'days',
        schema: z.coerce.number().int().min(1).max(OVERVIEW_LIMITS.days),
        description: 'Days of rule hits and verdicts, today included (default 7).',
      },
    ],
    ok: { status: 200, description: 'The overview.', content: [json(overviewSchema)] },
    errors: ['INVALID_CASE_REQUEST'],
  },
  {
    method: 'POST',
    path: '/v1/review-queue/claim',
    operationId: 'claimNextCase',
    tag: 'cases',
    auth: 'review',
    summary: 'Claim the highest-priority open case nobody else holds (the one the caller holds, if any)',
    description: 'The claim lasts CASE_CLAIM_SECONDS; two analysts never hold one case. 204 when every open case is held by someone else or none is open.',
    ok: { status: 200, description: 'The case, now claimed by the caller.', content: [json(caseSchema)] },
    links: { getCase: { transactionId: 'transactionId' }, decideCase: { transactionId: 'transactionId' }, releaseCase: { transactionId: 'transactionId' } },
    errors: [],
    extraStatuses: { 204: 'No case to claim.' },
  },
  {
    method: 'GET',
    path: '/v1/cases/:transactionId',
    operationId: 'getCase',
    tag: 'cases',
    auth: 'review',
    summary: 'One case: the transaction, the decision and its reasons, the features, its state and audit log',
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The case's transaction id (a case is opened per review decision)." }],
    ok: { status: 200, description: 'The case.', content: [json(caseSchema)] },
    errors: ['INVALID_CASE_REQUEST', 'CASE_NOT_FOUND'],
  },
  {
    method: 'POST',
    path: '/v1/cases/:transactionId/claim',
    operationId: 'claimCase',
    tag: 'cases',
    auth: 'review',
    summary: "Claim one case (from a search), or renew the caller's claim on it",
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The case's transaction id (a case is opened per review decision)." }],
    ok: { status: 200, description: 'The case, claimed by the caller.', content: [json(caseSchema)] },
    errors: ['INVALID_CASE_REQUEST', 'CASE_NOT_FOUND', 'CASE_HELD', 'CASE_CLOSED'],
  },
  {
    method: 'POST',
    path: '/v1/cases/:transactionId/override',
    operationId: 'overrideFromCase',
    tag: 'cases',
    auth: 'review',
    summary: "Block or allow the case's card, merchant or device until a time (an override by the analyst, logged on the case)",
    description:
      "The caller must hold the case. The entity id is the case transaction's; `expiresAt` must be in the future and at most 366 days ahead (400 `INVALID_CASE_REQUEST`); an entity cannot be allowed and blocked at once (409 `OVERRIDE_CONFLICT`).",
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The case's transaction id (a case is opened per review decision)." }],
    body: json(caseOverrideRequestSchema(0)),
    ok: { status: 200, description: 'The case, with the override among those in force.', content: [json(caseSchema)] },
    errors: ['INVALID_CASE_REQUEST', 'CASE_NOT_FOUND', 'CASE_CLOSED', 'CASE_NOT_CLAIMED', 'OVERRIDE_CONFLICT'],
  },
  {
    method: 'DELETE',
    path: '/v1/cases/:transactionId/claim',
    operationId: 'releaseCase',
    tag: 'cases',
    auth: 'review',
    summary: 'Give a claimed case back to the queue',
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The case's transaction id (a case is opened per review decision)." }],
    ok: { status: 204, description: 'Released.' },
    errors: ['INVALID_CASE_REQUEST', 'CASE_NOT_FOUND', 'CASE_NOT_CLAIMED'],
  },
  {
    method: 'POST',
    path: '/v1/cases/:transactionId/verdict',
    operationId: 'decideCase',
    tag: 'cases',
    auth: 'review',
    summary: 'Close a case the caller holds with a verdict; fraud and legitimate are sent as a label',
    description:
      'A `fraud` or `legitimate` verdict is produced to `fraud-labels` (source "analyst", the caller as author) before the case closes, and counts like any label: the card\'s and merchant\'s fraud features and the online model learn from it. `inconclusive` closes the case with no label. 503 `LABEL_NOT_SENT` leaves the case open and claimed.',
    params: [{ name: 'transactionId', schema: z.string().min(1).max(128), description: "The case's transaction id (a case is opened per review decision)." }],
    body: json(verdictRequestSchema),
    ok: { status: 200, description: 'The closed case.', content: [json(caseSchema)] },
    errors: ['INVALID_CASE_REQUEST', 'CASE_NOT_FOUND', 'CASE_CLOSED', 'CASE_NOT_CLAIMED', 'LABEL_NOT_SENT'],
  },
  {
    method: 'POST',
    path: '/console/session',
    operationId: 'signIn',
    tag: 'cases',
    auth: 'none',
    summary: 'Sign in to the console with a review (or admin) key: a session cookie and its CSRF token',
    description: 'Sets `fd_session` (HttpOnly, SameSite=Strict, Secure over TLS, Max-Age CONSOLE_SESSION_HOURS). The key is neither stored nor echoed.',
    body: json(signInSchema),
    ok: { status: 201, description: 'Signed in.', content: [json(consoleSessionSchema)] },
    errors: ['INVALID_CASE_REQUEST', 'REVIEW_DISABLED', 'UNAUTHENTICATED', 'FORBIDDEN'],
    headers: { 201: { 'set-cookie': { description: 'The session cookie.', required: true } } },
  },
  {
    method: 'GET',
    path: '/console/session',
    operationId: 'currentSession',
    tag: 'cases',
    auth: 'review',
    summary: 'The signed-in analyst and the CSRF token (for a console page loaded again)',
    ok: { status: 200, description: 'The session.', content: [json(consoleSessionSchema)] },
    errors: [],
  },
  {
    method: 'DELETE',
    path: '/console/session',
    operationId: 'signOut',
    tag: 'cases',
    auth: 'review',
    summary: 'Sign out: the session ends and its cookie is cleared',
    ok: { status: 204, description: 'Signed out.' },
    errors: [],
  },
  {
    method: 'GET',
    path: '/v1/rules',
    operationId: 'listRules',
    tag: 'rules',
    auth: 'admin',
    summary: 'The rule-set versions, which is active and which in shadow, and the last activations',
    ok: { status: 200, description: 'The overview.', content: [json(rulesOverviewSchema)] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/v1/rules/versions/:v',
    operationId: 'getRulesVersion',
    tag: 'rules',
    auth: 'admin',
    summary: 'One stored rule-set version with its document',
    params: [rulesVersion],
    ok: { status: 200, description: 'The version.', content: [json(versionDetailSchema)] },
    errors: ['INVALID_RULES_VERSION', 'RULES_VERSION_NOT_FOUND'],
  },
  {
    method: 'POST',
    path: '/v1/rules/versions',
    operationId: 'createRulesVersion',
    tag: 'rules',
    auth: 'admin',
    summary: 'Store a new, immutable rule-set version (inactive until activated)',
    description:
      "Beyond the schema, rule ids must be unique within the document (400 `INVALID_RULE_SET` names the duplicate), and the document's `version` must be new (409 `RULES_VERSION_EXISTS`).",
    body: json(ref('RuleSetDocument')),
    ok: { status: 201, description: 'The stored version.', content: [json(versionDetailSchema)] },
    links: { getRulesVersion: { v: 'v' }, activateRulesVersion: { v: 'v' }, shadowRulesVersion: { v: 'v' } },
    errors: ['INVALID_RULE_SET', 'RULES_VERSION_EXISTS'],
  },
  {
    method: 'POST',
    path: '/v1/rules/versions/:v/activate',
    operationId: 'activateRulesVersion',
    tag: 'rules',
    auth: 'admin',
    summary: 'Make a version the active one (activating an older version is the rollback)',
    params: [rulesVersion],
    ok: {
      status: 200,
      description: 'The active version; this instance applies it before answering, the others within RULES_POLL_INTERVAL_MS.',
      content: [json(activatedSchema)],
    },
    errors: ['INVALID_RULES_VERSION', 'RULES_VERSION_NOT_FOUND'],
  },
  {
    method: 'POST',
    path: '/v1/rules/versions/:v/shadow',
    operationId: 'shadowRulesVersion',
    tag: 'rules',
    auth: 'admin',
    summary: 'Evaluate a version in shadow beside the active one (its hits are counted, never applied)',
    params: [rulesVersion],
    ok: { status: 200, description: 'The shadow version.', content: [json(shadowSetSchema)] },
    errors: ['INVALID_RULES_VERSION', 'RULES_VERSION_NOT_FOUND', 'RULES_VERSION_ACTIVE'],
  },
  {
    method: 'DELETE',
    path: '/v1/rules/shadow',
    operationId: 'clearRulesShadow',
    tag: 'rules',
    auth: 'admin',
    summary: 'Stop evaluating a shadow version',
    ok: { status: 200, description: 'No shadow version.', content: [json(shadowClearedSchema)] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/v1/overrides',
    operationId: 'listOverrides',
    tag: 'overrides',
    auth: 'admin',
    summary: 'The allow and block overrides in force',
    ok: { status: 200, description: 'Every override that has not expired.', content: [json(z.object({ overrides: z.array(overrideSchema) }))] },
    errors: [],
  },
  {
    method: 'POST',
    path: '/v1/overrides',
    operationId: 'createOverride',
    tag: 'overrides',
    auth: 'admin',
    summary: "Allow or block a card, merchant or device until a time (replaces the same entity's entry with the same action)",
    description:
      '`expiresAt` must be in the future and at most 366 days ahead (400 `INVALID_OVERRIDE`); an entity cannot be allowed and blocked at once (409 `OVERRIDE_CONFLICT`).',
    body: json(ref('OverrideRequest')),
    ok: { status: 201, description: 'The override as stored.', content: [json(ref('Override'))] },
    links: { removeOverride: { entity: 'entity', id: 'id', action: 'action' } },
    errors: ['INVALID_OVERRIDE', 'OVERRIDE_CONFLICT'],
  },
  {
    method: 'DELETE',
    path: '/v1/overrides/:entity/:id/:action',
    operationId: 'removeOverride',
    tag: 'overrides',
    auth: 'admin',
    summary: 'Remove an override',
    params: [
      { name: 'entity', schema: overrideEntitySchema, description: 'card, merchant or device.' },
      { name: 'id', schema: z.string().min(1).max(128), description: "The entity's id." },
      { name: 'action', schema: overrideActionSchema, description: 'allow or block.' },
    ],
    ok: { status: 204, description: 'Removed.' },
    errors: ['INVALID_OVERRIDE', 'OVERRIDE_NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/v1/online',
    operationId: 'getOnlineModel',
    tag: 'online',
    auth: 'admin',
    summary: 'The online model: mode, version in Redis and served here, examples learnt, snapshots',
    ok: { status: 200, description: 'The overview.', content: [json(onlineOverviewSchema)] },
    errors: [],
  },
  {
    method: 'POST',
    path: '/v1/online/snapshots',
    operationId: 'snapshotOnlineModel',
    tag: 'online',
    auth: 'admin',
    summary: "Keep a snapshot of the online model's current version (ONLINE_SNAPSHOTS_KEPT are kept)",
    ok: { status: 201, description: 'The version snapshotted.', content: [json(onlineSnapshotSchema)] },
    errors: ['ONLINE_MODEL_OFF'],
  },
  {
    method: 'POST',
    path: '/v1/online/rollback/:version',
    operationId: 'rollbackOnlineModel',
    tag: 'online',
    auth: 'admin',
    summary: 'Write a snapshot back as a new version',
    params: [onlineVersion],
    ok: { status: 200, description: 'The new version and the snapshot it came from.', content: [json(onlineRollbackSchema)] },
    errors: ['ONLINE_MODEL_OFF', 'INVALID_ONLINE_VERSION', 'ONLINE_SNAPSHOT_NOT_FOUND'],
  },
  {
    method: 'POST',
    path: '/v1/online/reset',
    operationId: 'resetOnlineModel',
    tag: 'online',
    auth: 'admin',
    summary: 'Forget everything learnt, as a new version',
    ok: { status: 200, description: 'The new version.', content: [json(onlineResetSchema)] },
    errors: ['ONLINE_MODEL_OFF'],
  },
  {
    method: 'GET',
    path: '/health/live',
    operationId: 'live',
    tag: 'operations',
    auth: 'none',
    summary: 'Liveness: the process answers',
    ok: { status: 200, description: 'Alive.', content: [json(liveSchema)] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/health/ready',
    operationId: 'ready',
    tag: 'operations',
    auth: 'none',
    summary: 'Readiness: every dependency answers (503 with the same body while one does not)',
    ok: { status: 200, description: 'Ready.', content: [json(readySchema)] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    auth: 'none',
    summary: 'Prometheus metrics (text exposition format)',
    ok: { status: 200, description: 'The metrics.', content: [{ contentType: 'text/plain', schema: z.string() }] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'operations',
    auth: 'none',
    summary: 'This document',
    ok: { status: 200, description: 'The OpenAPI 3.1 document.', content: [json(z.record(z.string(), z.unknown()))] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/docs',
    operationId: 'docs',
    tag: 'operations',
    auth: 'none',
    summary: 'This document as a browsable page (Swagger UI, served from the swagger-ui-dist package)',
    ok: { status: 200, description: 'The page.', content: [{ contentType: 'text/html', schema: z.string() }] },
    errors: [],
  },
  {
    method: 'GET',
    path: '/docs/assets/:file',
    operationId: 'docsAsset',
    tag: 'operations',
    auth: 'none',
    summary: "The docs page's scripts and styles",
    params: [{ name: 'file', schema: z.enum(DOCS_ASSETS), description: 'One of the files the page loads.' }],
    ok: {
      status: 200,
      description: 'The file.',
      content: ['text/css', 'text/javascript', 'image/png'].map((contentType) => ({ contentType, schema: z.string() })),
    },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'GET',
    path: '/console',
    operationId: 'console',
    tag: 'cases',
    auth: 'none',
    summary: 'The analyst console: the review queue, case pages and the overview, in a browser (its API calls need a session)',
    ok: { status: 200, description: 'The page.', content: [{ contentType: 'text/html', schema: z.string() }] },
    errors: ['CONSOLE_DISABLED'],
  },
  {
    method: 'GET',
    path: '/console/assets/:file',
    operationId: 'consoleAsset',
    tag: 'cases',
    auth: 'none',
    summary: "The console page's script and styles, and the feature catalogue's meanings",
    params: [{ name: 'file', schema: z.enum(CONSOLE_ASSETS), description: 'One of the files the page loads.' }],
    ok: {
      status: 200,
      description: 'The file.',
      content: [
        ...['text/css', 'text/javascript'].map((contentType) => ({ contentType, schema: z.string() })),
        { contentType: 'application/json', schema: z.record(z.string(), z.string()).meta({ description: "features.json: each feature's meaning, by name." }) },
      ],
    },
    errors: ['CONSOLE_DISABLED', 'NOT_FOUND'],
  },
];

/** The readiness probe answers 503 with its usual body while a dependency is down. */
const EXTRA_RESPONSES: Readonly<Record<string, Record<number, { description: string; schema: z.ZodType }>>> = {
  ready: { 503: { description: 'Not ready: a dependency does not answer.', schema: readySchema } },
};

const AUTH_ERRORS: Record<Auth, readonly ErrorCode[]> = {
  none: [],
  scoring: ['UNAUTHENTICATED'],
  admin: ['ADMIN_DISABLED', 'UNAUTHENTICATED', 'FORBIDDEN'],
  review: ['CONSOLE_DISABLED', 'REVIEW_DISABLED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CSRF_INVALID'],
};
const BODY_ERRORS: readonly ErrorCode[] = ['INVALID_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
const PARAM_ERRORS: readonly ErrorCode[] = ['URI_TOO_LONG', 'INVALID_URL'];
const SECURITY: Record<Auth, Record<string, string[]>[] | undefined> = {
  none: undefined,
  // {}: no key at all is accepted while SCORING_API_KEYS is empty.
  scoring: [{ scoringKey: [] }, { adminKey: [] }, {}],
  admin: [{ adminKey: [] }],
  review: [{ reviewKey: [] }, { adminKey: [] }, { consoleSession: [] }],
};

type JsonSchema = Record<string, unknown>;

function toSchema(schema: Body['schema'], io: 'input' | 'output'): JsonSchema {
  if ('$ref' in schema) return { $ref: schema.$ref };
  // Refinements (a Luhn check, an expiry in the future) have no JSON Schema form and are dropped; the operation's description says so.
  const generated: JsonSchema = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  delete generated.$schema;
  return generated;
}

/** `/v1/rules/versions/:v` -> `/v1/rules/versions/{v}`. */
export const openApiPath = (fastifyPath: string): string => fastifyPath.replace(/:([A-Za-z_]\w*)/g, '{$1}');

function errorResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].message}`).join('; '),
        content: { 'application/json': { schema: toSchema(errorBodySchema(list), 'output') } },
      },
    ]),
  );
}

function operation(spec: OperationSpec): Record<string, unknown> {
  const codes = [
    ...new Set<ErrorCode>([...spec.errors, ...AUTH_ERRORS[spec.auth], ...(spec.body ? BODY_ERRORS : []), ...(spec.params ? PARAM_ERRORS : []), 'INTERNAL']),
  ];
  const responses: Record<string, Record<string, unknown>> = {
    [String(spec.ok.status)]: {
      description: spec.ok.description,
      ...(spec.ok.content ? { content: Object.fromEntries(spec.ok.content.map((c) => [c.contentType, { schema: toSchema(c.schema, 'output') }])) } : {}),
    },
    ...(errorResponses(codes) as Record<string, Record<string, unknown>>),
  };
  for (const [status, description] of Object.entries(spec.extraStatuses ?? {})) responses[status] = { description };
  for (const [status, extra] of Object.entries(EXTRA_RESPONSES[spec.operationId] ?? {})) {
    responses[status] = { description: extra.description, content: { 'application/json': { schema: toSchema(extra.schema, 'output') } } };
  }
  for (const [status, headers] of Object.entries(spec.headers ?? {})) {
    const response = responses[status];
    if (response)
      response.headers = Object.fromEntries(
        Object.entries(headers).map(([name, h]) => [name, { description: h.description, required: h.required, schema: { type: 'string' } }]),
      );
  }
  if (spec.auth !== 'none') {
    const unauthenticated = responses['401'];
    if (unauthenticated) unauthenticated.headers = { 'www-authenticate': { description: 'Bearer', required: true, schema: { type: 'string' } } };
  }
  const ok = responses[String(spec.ok.status)];
  if (spec.links && ok) {
    ok.links = Object.fromEntries(
      Object.entries(spec.links).map(([operationId, parameters]) => [
        operationId,
        { operationId, parameters: Object.fromEntries(Object.entries(parameters).map(([name, field]) => [name, `$response.body#/${field}`])) },
      ]),
    );
  }
  const security = SECURITY[spec.auth];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.params || spec.query
      ? {
          parameters: [
            ...(spec.params ?? []).map((p) => ({ name: p.name, in: 'path', required: true, description: p.description, schema: toSchema(p.schema, 'input') })),
            ...(spec.query ?? []).map((p) => ({ name: p.name, in: 'query', required: false, description: p.description, schema: toSchema(p.schema, 'input') })),
          ],
        }
      : {}),
    ...(spec.body ? { requestBody: { required: true, content: { [spec.body.contentType]: { schema: toSchema(spec.body.schema, 'input') } } } } : {}),
    responses,
    ...(security ? { security } : { security: [] }),
  };
}

export function buildOpenApiDocument(operations: readonly OperationSpec[] = OPERATIONS): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of operations) {
    const path = (paths[openApiPath(spec.path)] ??= {});
    path[spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fraud detection service',
      version: API_VERSION,
      description:
        'Real-time card fraud decisions (approve, deny, review, with reasons) and the admin API for rules, overrides and the online model. Every error is `{ "error": { "code", "message", "details"? } }` with a stable code. The same decisions are made for transactions consumed from Kafka; that contract is in the README.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'decisions', description: 'Scoring: open while SCORING_API_KEYS is empty, else a scoring or admin key.' },
      { name: 'cases', description: 'Review cases: the queue, claims and verdicts (a review key, as its analyst, or an admin key).' },
      { name: 'rules', description: 'The rules lifecycle (admin key).' },
      { name: 'overrides', description: 'Per-entity allow and block entries (admin key).' },
      { name: 'online', description: 'The online model (admin key).' },
      { name: 'operations', description: 'Health, metrics and this document (open).' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(NAMED).map(([name, { schema, io }]) => [name, toSchema(schema, io)])),
      securitySchemes: {
        scoringKey: { type: 'http', scheme: 'bearer', description: 'A key from SCORING_API_KEYS (scoring endpoints only).' },
        adminKey: { type: 'http', scheme: 'bearer', description: 'A key from ADMIN_API_KEYS (every endpoint).' },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'fd_session',
          description: "The console session from POST /console/session; a request that changes something also sends the session's X-CSRF-Token header.",
        },
        reviewKey: { type: 'http', scheme: 'bearer', description: "The key of a REVIEW_API_KEYS entry (the review cases API, as that entry's analyst)." },
      },
    },
  };
}
