import type { Message } from 'kafkajs';
import { maskCardNumbers, maskCardNumbersInJsonText } from '../transactions/card-number';
import { parseTransaction, type FieldError, type Parsed } from '../transactions/transaction.parse';
import type { Transaction } from '../transactions/transaction.schema';

/** Stable codes of dead-lettered messages; consumers of transactions.dlq may switch on them. */
export const DLQ_CODES = [
  'EMPTY_VALUE',
  'MESSAGE_TOO_LARGE',
  'INVALID_ENCODING',
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'CARD_NUMBER_DETECTED',
  'IDEMPOTENCY_CONFLICT',
] as const;
export type DlqCode = (typeof DLQ_CODES)[number];

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
  poison('IDEMPOTENCY_CONFLICT', 'this transactionId was already decided on a different payload; a new transaction needs a new id', [
    { path: 'transactionId', message: 'reused with a different payload' },
  ]);

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
 * are text (card numbers masked to BIN + last four) and base64 otherwise. A value over
 * `maxBytes` (KAFKA_MAX_MESSAGE_BYTES) keeps its first `maxBytes` bytes, marked `truncated`:
 * kept whole, a value near the broker's 1 MB limit made a record the broker refused (base64
 * and JSON escaping grow it), and the partition's commit failed for good.
 */
export function dlqRecord(
  source: SourceMessage,
  failure: Extract<ClassifiedMessage, { kind: 'poison' }>,
  now: Date,
  maxBytes: number,
): Record<string, unknown> {
  let original: { encoding: 'utf8' | 'base64'; value: string; truncated?: true } | null = null;
  if (source.value !== null) {
    let kept: Buffer;
    try {
      // Masked before it is cut, so that no cut leaves most of a card number unmasked.
      const text = Buffer.from(maskCardNumbersInJsonText(utf8.decode(source.value)));
      kept = text.subarray(0, utf8Boundary(text, maxBytes));
      original = { encoding: 'utf8', value: kept.toString('utf8'), ...(kept.length < text.length ? { truncated: true } : {}) };
    } catch {
      kept = source.value.subarray(0, maxBytes);
      original = { encoding: 'base64', value: kept.toString('base64'), ...(kept.length < source.value.length ? { truncated: true } : {}) };
    }
  }
  return {
    error: { code: failure.code, message: failure.message, ...(failure.details.length > 0 ? { details: failure.details } : {}) },
    source: {
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      timestamp: new Date(Number(source.timestamp)).toISOString(),
      key: source.key === null ? null : maskedKey(source.key).toString('base64'),
    },
    original,
    failedAt: now.toISOString(),
  };
}

/** The longest prefix of UTF-8 `text` of at most `maxBytes` bytes that does not split a character (continuation bytes are 10xxxxxx). */
function utf8Boundary(text: Buffer, maxBytes: number): number {
  if (text.length <= maxBytes) return text.length;
  let cut = maxBytes;
  while (cut > 0 && ((text[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/**
 * A message key with any card number in it masked (a producer that keys by card number would
 * otherwise put one in the DLQ, key and record); other keys, and keys that are not text, as they are.
 */
export function maskedKey(key: Buffer): Buffer {
  let text: string;
  try {
    text = utf8.decode(key);
  } catch {
    return key;
  }
  const masked = maskCardNumbers(text);
  return masked === text ? key : Buffer.from(masked);
}

/** The DLQ message for a poison message of `batch`: its original key (card numbers masked), the record as value. */
export function dlqMessage(
  batch: { readonly topic: string; readonly partition: number },
  message: Omit<SourceMessage, 'topic' | 'partition'>,
  failure: Poison,
  now: Date,
  maxBytes: number,
): { key: Buffer | null; value: string } {
  return {
    key: message.key === null ? null : maskedKey(message.key),
    value: JSON.stringify(dlqRecord({ ...message, topic: batch.topic, partition: batch.partition }, failure, now, maxBytes)),
  };
}

/** Dead-letter bytes per produce request (see deadLetterRuns): half the broker's default 1 MB limit. */
export const DEAD_LETTER_BYTES_PER_REQUEST = 512 * 1024;

/**
 * Dead letters in runs of at most `maxBytes` (keys and values; a larger message is a run of its
 * own), for one produce request each: kafkajs puts a request's messages for one partition in
 * one record batch, which the broker refuses past its message.max.bytes (1 MB by default). A
 * burst of poison merged into one commit made one such batch, and the commit failed for good.
 */
export function deadLetterRuns(messages: readonly Message[], maxBytes: number): Message[][] {
  const runs: Message[][] = [];
  let run: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = (m.key ? Buffer.byteLength(m.key) : 0) + (m.value ? Buffer.byteLength(m.value) : 0);
    if (run.length > 0 && bytes + size > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(m);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
