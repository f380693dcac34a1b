import { findCardNumbers } from './card-number';
import { transactionSchema, type Transaction } from './transaction.schema';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type ParsedTransaction =
  | { readonly ok: true; readonly tx: Transaction }
  | { readonly ok: false; readonly code: 'CARD_NUMBER_DETECTED' | 'VALIDATION_FAILED'; readonly details: readonly FieldError[] };

/**
 * The one gate every transaction passes, from HTTP or Kafka: a card number anywhere rejects
 * it first (its value is never repeated back), then the contract schema names every bad field.
 */
export function parseTransaction(json: unknown): ParsedTransaction {
  const cardFields = findCardNumbers(json);
  if (cardFields.length > 0) {
    return { ok: false, code: 'CARD_NUMBER_DETECTED', details: cardFields.map((path) => ({ path, message: 'looks like a card number' })) };
  }
  const parsed = transactionSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, code: 'VALIDATION_FAILED', details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  return { ok: true, tx: parsed.data };
}
