import type { FieldError } from '../transactions/transaction.parse';

/** Stable error codes of the HTTP API: clients may switch on them; never rename one. */
export const ERROR_CODES = {
  INVALID_JSON: { status: 400, message: 'the request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, message: 'the request does not match the transaction contract' },
  CARD_NUMBER_DETECTED: { status: 400, message: 'the request appears to contain a card number; send a card token in cardId instead' },
  INVALID_TRANSACTION_ID: { status: 400, message: 'transactionId must be 1-128 characters' },
  BODY_TOO_LARGE: { status: 413, message: 'the request body is larger than the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'send the body as application/json' },
  DECISION_NOT_FOUND: { status: 404, message: 'no decision is stored for this transactionId' },
  NOT_FOUND: { status: 404, message: 'no such endpoint' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;


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
