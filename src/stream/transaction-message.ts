import { maskCardNumbers } from '../transactions/card-number';
import { parseTransaction, type FieldError, type Parsed } from '../transactions/transaction.parse';
import type { Transaction } from '../transactions/transaction.schema';

/** Stable codes of dead-lettered messages; consumers of transactions.dlq may switch on them. */
export type DlqCode = 'EMPTY_VALUE' | 'MESSAGE_TOO_LARGE' | 'INVALID_ENCODING' | 'INVALID_JSON' | 'VALIDATION_FAILED' | 'CARD_NUMBER_DETECTED' | 'IDEMPOTENCY_CONFLICT';

export type ClassifiedMessage =
  | { readonly kind: 'transaction'; readonly tx: Transaction }
  | { readonly kind: 'poison'; readonly code: DlqCode; readonly message: string; readonly details: readonly FieldError[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Poison = Extract<ClassifiedMessage, { kind: 'poison' }>;
const poison = (code: DlqCode, message: string, details: readonly FieldError[] = []): Poison => ({ kind: 'poison', code, message, details });
export type Parser<T> = (json: unknown) => Parsed<T>;

/**
 * The steps every input topic shares: size, encoding, JSON, then the topic's own parser.
 * Returns the parsed value or the poison, with its stable DLQ code. Never throws.
 */
export function decodeMessage<T>(value: Buffer | null, maxBytes: number, parse: Parser<T>, what: string): { readonly kind: 'ok'; readonly value: T } | Poison {
  if (value === null || value.length === 0) return poison('EMPTY_VALUE', 'the message has no value');
  if (value.length > maxBytes) return poison('MESSAGE_TOO_LARGE', `the value is ${value.length} bytes; the limit is ${maxBytes}`);
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return poison('INVALID_ENCODING', 'the value is not UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return poison('INVALID_JSON', 'the value is not valid JSON');
  }
  const parsed = parse(json);
  if (!parsed.ok) {
    const message = parsed.code === 'CARD_NUMBER_DETECTED' ? 'the value appears to contain a card number' : `the value does not match the ${what} contract`;
    return poison(parsed.code, message, parsed.details);
  }
  return { kind: 'ok', value: parsed.value };
}

const transactionParser: Parser<Transaction> = (json) => {
  const parsed = parseTransaction(json);
  return parsed.ok ? { ok: true, value: parsed.tx } : parsed;
};

/** A valid transaction whose id was first decided on another payload: never decided again, never given the other's decision. */
export const idempotencyConflict = (): Poison =>
  poison('IDEMPOTENCY_CONFLICT', 'this transactionId was already decided on a different payload; a new transaction needs a new id', [{ path: 'transactionId', message: 'reused with a different payload' }]);

/** Decides whether a raw Kafka value is a transaction or poison, and why. Never throws. */
export function classifyMessage(value: Buffer | null, maxBytes: number): ClassifiedMessage {
  const decoded = decodeMessage(value, maxBytes, transactionParser, 'transaction');
  return decoded.kind === 'ok' ? { kind: 'transaction', tx: decoded.value } : decoded;
}

export interface SourceMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/**
 * The dead-letter record: why, where from, and the original bytes, as UTF-8 text when they
 * are text (card numbers masked to BIN + last four) and base64 otherwise. Oversized values
 * are kept whole: a DLQ that drops the evidence helps nobody.
 */
export function dlqRecord(source: SourceMessage, failure: Extract<ClassifiedMessage, { kind: 'poison' }>, now: Date): Record<string, unknown> {
  let original: { encoding: 'utf8' | 'base64'; value: string } | null = null;
  if (source.value !== null) {
    try {
      original = { encoding: 'utf8', value: maskCardNumbers(utf8.decode(source.value)) };
    } catch {
      original = { encoding: 'base64', value: source.value.toString('base64') };
    }
  }
  return {
    error: { code: failure.code, message: failure.message, ...(failure.details.length > 0 ? { details: failure.details } : {}) },
    source: {
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      timestamp: new Date(Number(source.timestamp)).toISOString(),
      key: source.key === null ? null : source.key.toString('base64'),
    },
    original,
    failedAt: now.toISOString(),
  };
}

/** The DLQ message for a poison message of `batch`: its original key, the record as value. */
export function dlqMessage(batch: { readonly topic: string; readonly partition: number }, message: Omit<SourceMessage, 'topic' | 'partition'>, failure: Poison, now: Date): { key: Buffer | null; value: string } {
  return { key: message.key, value: JSON.stringify(dlqRecord({ ...message, topic: batch.topic, partition: batch.partition }, failure, now)) };
}
