import { classifyMessage, dlqRecord, type SourceMessage } from './transaction-message';

const valid = { transactionId: 't-1', occurredAt: '2026-11-20T10:00:00Z', cardId: 'tok_1', merchantId: 'm-1', amount: 12.5, currency: 'EUR' };
const source = (value: Buffer | null): SourceMessage => ({ topic: 'transactions', partition: 3, offset: '42', timestamp: '1795597869600', key: Buffer.from('tok_1'), value });

describe('classifying Kafka transaction messages', () => {
  it('accepts a contract-valid transaction, ignoring unknown fields', () => {
    const result = classifyMessage(Buffer.from(JSON.stringify({ ...valid, futureField: 1 })), 65_536);
    expect(result).toEqual({ kind: 'transaction', tx: valid });
  });

  it('accepts a zero amount (an account-verification authorisation) and refuses a negative one on the amount field', () => {
    expect(classifyMessage(Buffer.from(JSON.stringify({ ...valid, amount: 0 })), 65_536)).toEqual({ kind: 'transaction', tx: { ...valid, amount: 0 } });
    expect(classifyMessage(Buffer.from(JSON.stringify({ ...valid, amount: -0.01 })), 65_536)).toMatchObject({ kind: 'poison', code: 'VALIDATION_FAILED', details: [{ path: 'amount' }] });
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

  it('keeps the original bytes in the DLQ record, base64 when they are not text', () => {
    const bytes = Buffer.from([0xff, 0x00, 0x01]);
    const failure = classifyMessage(bytes, 100);
    if (failure.kind !== 'poison') throw new Error('expected poison');
    const record = dlqRecord(source(bytes), failure, new Date('2026-11-25T00:00:00Z'));
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
    const record = dlqRecord(source(Buffer.from(text)), failure, new Date());
    expect(JSON.stringify(record)).not.toContain('5555555555554444');
    expect(record).toMatchObject({ error: { details: [{ path: 'memo' }] }, original: { encoding: 'utf8', value: expect.stringContaining('555555******4444') as string } });
  });
});
