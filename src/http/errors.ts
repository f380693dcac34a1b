import type { z } from 'zod';
import type { FieldError } from '../transactions/transaction.parse';

/** Stable error codes of the HTTP API: clients may switch on them; never rename one. */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, message: 'the request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, message: 'the request does not match the transaction contract' },
  CARD_NUMBER_DETECTED: { status: 400, message: 'the request appears to contain a card number; send a card token in cardId instead' },
  INVALID_TRANSACTION_ID: { status: 400, message: 'transactionId must be 1-128 characters' },
  INVALID_RULE_SET: { status: 400, message: 'the rule set document is invalid' },
  INVALID_RULES_VERSION: { status: 400, message: 'a rules version number is a positive integer' },
  INVALID_OVERRIDE: { status: 400, message: 'the override does not match its schema' },
  INVALID_ONLINE_VERSION: { status: 400, message: 'an online model version is a positive integer' },
  UNAUTHENTICATED: { status: 401, message: 'send a valid API key as "Authorization: Bearer <key>"' },
  FORBIDDEN: { status: 403, message: 'this API key does not have the scope this endpoint needs' },
  REVIEW_DISABLED: { status: 403, message: 'the review API is disabled: no REVIEW_API_KEYS or ADMIN_API_KEYS are configured' },
  CONSOLE_DISABLED: { status: 404, message: 'this instance does not serve the review cases API (CONSOLE_ENABLED=false)' },
  INVALID_CASE_REQUEST: { status: 400, message: 'the request does not match the schema; details lists every failing field' },
  CSRF_INVALID: { status: 403, message: "a console request that changes something must carry its session's X-CSRF-Token" },
  CASE_NOT_FOUND: { status: 404, message: 'no review case is kept for this transactionId' },
  CASE_HELD: { status: 409, message: 'another analyst holds this case' },
  CASE_CLOSED: { status: 409, message: 'this case is already closed' },
  CASE_NOT_CLAIMED: { status: 409, message: 'claim the case before acting on it (or your claim ran out)' },
  LABEL_NOT_SENT: { status: 503, message: 'the label could not be sent to Kafka; the case is still open and yours: retry' },
  ADMIN_DISABLED: { status: 403, message: 'the admin API is disabled: no ADMIN_API_KEYS are configured' },
  BODY_TOO_LARGE: { status: 413, message: 'the request body is larger than the limit' },
  URI_TOO_LONG: { status: 414, message: 'a path segment is longer than any identifier the API takes' },
  INVALID_URL: { status: 400, message: 'the request path is not a valid URL (bad percent-encoding)' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'this path does not take this method; the Allow header lists the ones it takes' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json' },
  DECISION_NOT_FOUND: { status: 404, message: 'no decision is stored for this transactionId' },
  NOT_FOUND: { status: 404, message: 'no such endpoint' },
  RULES_VERSION_NOT_FOUND: { status: 404, message: 'no rules version with this number' },
  OVERRIDE_NOT_FOUND: { status: 404, message: 'no such override applies' },
  ONLINE_SNAPSHOT_NOT_FOUND: { status: 404, message: 'no snapshot of the online model under this version' },
  ONLINE_MODEL_OFF: { status: 409, message: 'the online model is off (ONLINE_MODEL=off)' },
  RULES_VERSION_EXISTS: { status: 409, message: 'a stored version already has this document version; give the draft a new "version"' },
  RULES_VERSION_ACTIVE: { status: 409, message: 'the active version cannot also run in shadow' },
  OVERRIDE_CONFLICT: { status: 409, message: 'the entity already has an override with the opposite action; remove it first' },
  IDEMPOTENCY_CONFLICT: {
    status: 409,
    message: 'this transactionId was already decided on a different payload; a retry must repeat the original request, a new transaction needs a new id',
  },
  DECISION_IN_PROGRESS: {
    status: 409,
    message: 'a request with this transactionId is still being decided; retry after the Retry-After delay to get its decision',
  },
  OVERLOADED: { status: 503, message: 'the service is at its limit of requests in flight; retry after the Retry-After delay' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** `value` parsed by `schema`, or an ApiError `code` listing every failing field. */
export function parsedOr<T>(code: ErrorCode, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ApiError(
      code,
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  return result.data;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly details: readonly FieldError[] = [],
  ) {
    super(ERROR_CODES[code].message);
    this.name = 'ApiError';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toBody(): { error: { code: ErrorCode; message: string; details?: readonly FieldError[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details.length > 0 ? { details: this.details } : {}) } };
  }
}
