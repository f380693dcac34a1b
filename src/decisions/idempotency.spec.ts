import { claimValue, fingerprint, httpOwner, kafkaOwner, readClaim } from './idempotency';
import type { Transaction } from '../transactions/transaction.schema';

const tx: Transaction = {
  transactionId: 'tx-1',
  occurredAt: '2026-11-25T10:00:00Z',
  cardId: 'card-1',
  merchantId: 'm-1',
  amount: 42.5,
  currency: 'EUR',
  channel: 'ecommerce',
  deviceId: 'dev-1',
  location: { lat: 48.86, lon: 2.35 },
};
const parseStored = (raw: string) => JSON.parse(raw) as { fingerprint?: string; id: string };

describe('fingerprint', () => {
  it('is the same for a retry whatever its key order or timestamp spelling', () => {
    const reordered = {
      currency: 'EUR',
      amount: 42.5,
      merchantId: 'm-1',
      cardId: 'card-1',
      location: { lon: 2.35, lat: 48.86 },
      deviceId: 'dev-1',
      channel: 'ecommerce',
      occurredAt: '2026-11-25T11:00:00.000+01:00',
      transactionId: 'tx-1',
    } as const;
    expect(fingerprint(reordered)).toBe(fingerprint(tx));
  });

  it('ignores the transaction id itself and fields the contract does not have', () => {
    const withExtra: Transaction & { memo: string } = { ...tx, transactionId: 'tx-2', memo: 'a field added by a later contract' };
    expect(fingerprint(withExtra)).toBe(fingerprint(tx));
  });

  it('changes with every field a payment is made of', () => {
    const variants: Partial<Transaction>[] = [
      { cardId: 'other' },
      { merchantId: 'other' },
      { amount: 5000 },
      { currency: 'USD' },
      { occurredAt: '2026-11-25T10:00:01Z' },
      { deviceId: 'dev-2' },
      { deviceId: undefined },
      { location: { lat: 48.86, lon: 2.36 } },
      { country: 'FR' },
      { customerId: 'c-1' },
      { merchantCategory: '5411' },
      { channel: 'card_present' },
      { ipAddress: '203.0.113.7' },
    ];
    const prints = variants.map((v) => fingerprint({ ...tx, ...v }));
    expect(new Set([...prints, fingerprint(tx)]).size).toBe(variants.length + 1);
  });

  it('names its version, so records stored under it keep being compared by it', () => {
    expect(fingerprint(tx)).toMatch(/^v1:[A-Za-z0-9_-]{22}$/);
  });
});

describe('readClaim', () => {
  const print = fingerprint(tx);
  const me = httpOwner('instance-a');

  it('claims an id nobody held', () => {
    expect(readClaim(null, me, print, parseStored)).toEqual({ kind: 'claimed' });
  });

  it('returns the stored decision of the same payload', () => {
    const raw = JSON.stringify({ id: 'stored', fingerprint: print });
    expect(readClaim(raw, me, print, parseStored)).toEqual({ kind: 'decided', stored: { id: 'stored', fingerprint: print } });
  });

  it('takes a record stored before fingerprints existed as the same payload', () => {
    expect(readClaim(JSON.stringify({ id: 'old' }), me, print, parseStored)).toMatchObject({ kind: 'decided' });
  });

  it('refuses an id stored or claimed for another payload', () => {
    const other = fingerprint({ ...tx, amount: 5000 });
    expect(readClaim(JSON.stringify({ id: 'stored', fingerprint: other }), me, print, parseStored)).toEqual({ kind: 'conflict' });
    expect(readClaim(claimValue(httpOwner('instance-b'), other), me, print, parseStored)).toEqual({ kind: 'conflict' });
  });

  it('waits for another holder of the same payload, and takes its own claim back', () => {
    expect(readClaim(claimValue(httpOwner('instance-b'), print), me, print, parseStored)).toEqual({ kind: 'held' });
    expect(readClaim(claimValue(me, print), me, print, parseStored)).toEqual({ kind: 'claimed' });
  });

  it('lets a partition redoing a message take over the claim its crashed owner left', () => {
    const message = kafkaOwner({ topic: 'transactions', partition: 3, offset: '1841' });
    expect(readClaim(claimValue(message, print), message, print, parseStored)).toEqual({ kind: 'claimed' });
    expect(readClaim(claimValue(message, print), kafkaOwner({ topic: 'transactions', partition: 3, offset: '1842' }), print, parseStored)).toEqual({
      kind: 'held',
    });
  });
});
