import { findCardNumbers } from '../transactions/card-number';
import { parseLabel } from '../transactions/transaction.parse';
import { classifyMessage, deadLetterRuns, decodeMessage, dlqMessage, dlqRecord, type SourceMessage } from './transaction-message';

const valid = { transactionId: 't-1', occurredAt: '2026-11-20T10:00:00Z', cardId: 'tok_1', merchantId: 'm-1', amount: 12.5, currency: 'EUR' };
const source = (value: Buffer | null): SourceMessage => ({
  topic: 'transactions',
  partition: 3,
  offset: '42',
  timestamp: '1795597869600',
  key: Buffer.from('tok_1'),
  value,
});

describe('classifying Kafka transaction messages', () => {
  it('accepts a contract-valid transaction, ignoring unknown fields', () => {
    const result = classifyMessage(Buffer.from(JSON.stringify({ ...valid, futureField: 1 })), 65_536);
    expect(result).toEqual({ kind: 'transaction', tx: valid });
  });

  it('accepts a zero amount (an account-verification authorisation) and refuses a negative one on the amount field', () => {
    expect(classifyMessage(Buffer.from(JSON.stringify({ ...valid, amount: 0 })), 65_536)).toEqual({ kind: 'transaction', tx: { ...valid, amount: 0 } });
    expect(classifyMessage(Buffer.from(JSON.stringify({ ...valid, amount: -0.01 })), 65_536)).toMatchObject({
      kind: 'poison',
      code: 'VALIDATION_FAILED',
      details: [{ path: 'amount' }],
    });
  });

  it('refuses an id with a lone UTF-16 surrogate (Redis would fold it into another id), and takes a well-formed astral one', () => {
    // JSON's \ud800 escape is the only way to send one: UTF-8 bytes cannot carry it.
    const lone = Buffer.from(JSON.stringify(valid).replace('"t-1"', '"t-\\ud800"'));
    expect(classifyMessage(lone, 65_536)).toMatchObject({ kind: 'poison', code: 'VALIDATION_FAILED', details: [{ path: 'transactionId' }] });
    expect(classifyMessage(Buffer.from(JSON.stringify({ ...valid, cardId: 'tok_\u{1F4B3}' })), 65_536)).toMatchObject({ kind: 'transaction' });
  });

  it.each([
    ['an empty value', Buffer.alloc(0), 'EMPTY_VALUE'],
    ['a value over the size limit', Buffer.from(JSON.stringify({ ...valid, pad: 'x'.repeat(200) })), 'MESSAGE_TOO_LARGE'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'INVALID_ENCODING'],
    ['text that is not JSON', Buffer.from('{"transactionId": '), 'INVALID_JSON'],
    ['JSON that breaks the contract', Buffer.from(JSON.stringify({ ...valid, amount: -0.01 })), 'VALIDATION_FAILED'],
    ['a card number in any field', Buffer.from(JSON.stringify({ ...valid, memo: '5555555555554444' })), 'CARD_NUMBER_DETECTED'],
  ])('dead-letters %s with code %s', (_, value, code) => {
    expect(classifyMessage(value, 200)).toMatchObject({ kind: 'poison', code });
  });

  it('dead-letters a value nested thousands of levels deep instead of throwing (which crashed the consumer)', () => {
    const deep = (inner: string) => Buffer.from(`${'['.repeat(30_000)}${inner}${']'.repeat(30_000)}`);
    expect(classifyMessage(deep('1'), 65_536)).toMatchObject({ kind: 'poison', code: 'VALIDATION_FAILED' });
    expect(classifyMessage(deep('"5555555555554444"'), 65_536)).toMatchObject({ kind: 'poison', code: 'CARD_NUMBER_DETECTED' });
    const inUnknownField = Buffer.from(JSON.stringify(valid).replace(/}$/, `,"memo":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`));
    expect(classifyMessage(inUnknownField, 65_536)).toEqual({ kind: 'transaction', tx: valid });
  });

  it('keeps the original bytes in the DLQ record, base64 when they are not text', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x01]);
    const failure = classifyMessage(bytes, 100);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const record = dlqRecord(source(bytes), failure, new Date('2026-11-25T00:00:00Z'), 100);
    expect(record).toMatchObject({
      error: { code: 'INVALID_ENCODING' },
      source: { topic: 'transactions', partition: 3, offset: '42', key: Buffer.from('tok_1').toString('base64') },
      original: { encoding: 'base64', value: bytes.toString('base64') },
      failedAt: '2026-11-25T00:00:00.000Z',
    });
  });

  it('masks a card number in the dead-lettered text and lists the failing fields', () => {
    const text = JSON.stringify({ ...valid, memo: '5555555555554444' });
    const failure = classifyMessage(Buffer.from(text), 65_536);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const record = dlqRecord(source(Buffer.from(text)), failure, new Date(), 65_536);
    expect(JSON.stringify(record)).not.toContain('5555555555554444');
    expect(record).toMatchObject({
      error: { details: [{ path: 'memo' }] },
      original: { encoding: 'utf8', value: expect.stringContaining('555555******4444') as string },
    });
  });

  it('masks a card number the JSON text spells with \\u escapes, which the parser reads as one', () => {
    // "4111\u002d1111-1111-111\u0031" in the bytes is 4111-1111-1111-1111 to JSON.parse, and so to the check.
    const text = JSON.stringify({ ...valid, memo: 'PAN' }).replace('PAN', '4111\\u002d1111-1111-111\\u0031');
    expect(findCardNumbers(JSON.parse(text))).toEqual(['memo']);
    const failure = classifyMessage(Buffer.from(text), 65_536);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const kept = (dlqRecord(source(Buffer.from(text)), failure, new Date(), 65_536).original as { value: string }).value;
    expect(findCardNumbers(JSON.parse(kept))).toEqual([]);
    expect(JSON.parse(kept)).toMatchObject({ ...valid, memo: '411111******1111' });
    // An escaped backslash before "u0031" is text, not an escape: left alone.
    const literal = String.raw`{"memo":"\\u0031"}`;
    expect((dlqRecord(source(Buffer.from(literal)), failure, new Date(), 65_536).original as { value: string }).value).toBe(literal);
  });

  it('masks a card number in the message key, in the DLQ message and in its record', () => {
    const text = JSON.stringify({ ...valid, cardId: '5555555555554444' });
    const failure = classifyMessage(Buffer.from(text), 65_536);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const message = { offset: '7', timestamp: '1795597869600', key: Buffer.from('5555555555554444'), value: Buffer.from(text) };
    const dead = dlqMessage({ topic: 'transactions', partition: 0 }, message, failure, new Date(), 65_536);
    expect(dead.key?.toString()).toBe('555555******4444');
    expect(dead.value).not.toContain('5555555555554444');
    expect(JSON.parse(dead.value)).toMatchObject({ source: { key: Buffer.from('555555******4444').toString('base64') } });
    // A token key is kept byte for byte.
    expect(dlqMessage({ topic: 'transactions', partition: 0 }, { ...message, key: Buffer.from('tok_1') }, failure, new Date(), 65_536).key).toEqual(
      Buffer.from('tok_1'),
    );
  });

  it('keeps the first KAFKA_MAX_MESSAGE_BYTES of an oversized value, cut between characters and marked truncated, so the record fits the broker', () => {
    const text = `{"pa":"${'é'.repeat(600_000)}"}`; // 7 bytes, then 2 a character: byte 65,536 is inside one
    const failure = classifyMessage(Buffer.from(text), 65_536);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const record = dlqRecord(source(Buffer.from(text)), failure, new Date(), 65_536);
    expect(record).toMatchObject({ error: { code: 'MESSAGE_TOO_LARGE' }, original: { encoding: 'utf8', truncated: true } });
    const kept = (record.original as { value: string }).value;
    expect(kept).toBe(text.slice(0, kept.length));
    expect(Buffer.byteLength(kept)).toBe(65_535);
    const bytes = Buffer.alloc(900_000, 0xff);
    const binary = dlqRecord(source(bytes), { kind: 'poison', code: 'MESSAGE_TOO_LARGE', message: 'too large', details: [] }, new Date(), 65_536);
    expect(binary).toMatchObject({ original: { encoding: 'base64', value: bytes.subarray(0, 65_536).toString('base64'), truncated: true } });
    expect(JSON.stringify(binary).length).toBeLessThan(100_000);
    // Within the limit, a value is kept whole and not marked.
    expect(dlqRecord(source(Buffer.from('{')), { kind: 'poison', code: 'INVALID_JSON', message: 'x', details: [] }, new Date(), 65_536).original).toEqual({
      encoding: 'utf8',
      value: '{',
    });
  });

  it('masks a card number before cutting, so a cut through it never leaves its digits', () => {
    const text = `${'x'.repeat(94)} 4111 1111 1111 1111 and more`;
    const record = dlqRecord(source(Buffer.from(text)), { kind: 'poison', code: 'MESSAGE_TOO_LARGE', message: 'too large', details: [] }, new Date(), 105);
    expect((record.original as { value: string }).value).toBe(`${'x'.repeat(94)} 411111****`);
  });

  it('splits dead letters into runs of at most the byte limit, in order, a larger one in a run of its own', () => {
    const m = (size: number, key = 'k') => ({ key, value: 'v'.repeat(size - key.length) });
    const messages = [m(300), m(300), m(300), m(2000), m(100), m(100)];
    expect(deadLetterRuns(messages, 1000)).toEqual([[messages[0], messages[1], messages[2]], [messages[3]], [messages[4], messages[5]]]);
    expect(deadLetterRuns([], 1000)).toEqual([]);
    expect(deadLetterRuns([{ key: null, value: null }], 1000)).toEqual([[{ key: null, value: null }]]);
  });
});

describe('decoding fraud labels', () => {
  const label = { transactionId: 't-1', fraud: true, reportedAt: '2026-12-02T09:00:00Z' };
  const decode = (value: unknown) => decodeMessage(Buffer.from(JSON.stringify(value)), 65_536, parseLabel, 'label');

  it("takes who labelled it, trimmed, when the producer says so: an analyst's verdict keeps its source and author", () => {
    expect(decode({ ...label, source: 'analyst', author: ' ana ' })).toEqual({ kind: 'ok', value: { ...label, source: 'analyst', author: 'ana' } });
  });

  it('drops a source or author that is not one instead of dead-lettering the label (they were free extra fields before)', () => {
    for (const extra of [{ source: '' }, { source: 'x'.repeat(65) }, { author: 42 }, { source: null }]) {
      expect(decode({ ...label, ...extra })).toEqual({ kind: 'ok', value: label });
    }
  });
});
