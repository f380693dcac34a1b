import { findCardNumbers } from './card-number';
import type { z } from 'zod';
import { fraudLabelSchema, transactionSchema, type FraudLabel, type Transaction } from './transaction.schema';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type ParsedTransaction =
  | { readonly ok: true; readonly tx: Transaction }
  | { readonly ok: false; readonly code: 'CARD_NUMBER_DETECTED' | 'VALIDATION_FAILED'; readonly details: readonly FieldError[] };

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: 'CARD_NUMBER_DETECTED' | 'VALIDATION_FAILED'; readonly details: readonly FieldError[] };

/**
 * The one gate every input passes, from HTTP or Kafka: a card number anywhere rejects it first
 * (its value is never repeated back), then the contract schema names every bad field.
 */
function parseWith<S extends z.ZodType>(schema: S, json: unknown): Parsed<z.output<S>> {
  const cardFields = findCardNumbers(json);
  if (cardFields.length > 0) {
    return { ok: false, code: 'CARD_NUMBER_DETECTED', details: cardFields.map((path) => ({ path, message: 'looks like a card number' })) };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, code: 'VALIDATION_FAILED', details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  return { ok: true, value: parsed.data };
}

export function parseTransaction(json: unknown): ParsedTransaction {
  const parsed = parseWith(transactionSchema, json);
  return parsed.ok ? { ok: true, tx: parsed.value } : parsed;
}

export const parseLabel = (json: unknown): Parsed<FraudLabel> => parseWith(fraudLabelSchema, json);
