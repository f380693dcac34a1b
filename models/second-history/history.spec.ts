import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { findCardNumbers } from '../../src/transactions/card-number';
import { fraudLabelSchema, transactionSchema } from '../../src/transactions/transaction.schema';
import { SecondHistory } from './history';
import { labelLine, transactionLine } from './output';
import { FALSE_POSITIVE, SCENARIOS, type Txn } from './txn';
import { writeHistory } from './write';

// The contract is being changed to accept 0.00 account-verification amounts; until
// transaction.schema.ts says so itself, the tests relax that one field and keep the rest.
const transactionLineSchema = transactionSchema.extend({ amount: z.number().min(0).max(1e12) }).strict();
const labelLineSchema = fraudLabelSchema.extend({ scenario: z.string().min(1).max(64) }).strict();
const MILLISECOND_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const start = Date.parse('2026-01-01T00:00:00Z');

type TransactionLine = z.infer<typeof transactionLineSchema>;
type LabelLine = z.infer<typeof labelLineSchema>;

describe('second history, 2,000 customers over 30 days', () => {
  let lines: string[];
  let transactions: (TransactionLine | undefined)[];
  let labels: LabelLine[];
  let frauds: readonly Txn[];

  beforeAll(() => {
    const history = new SecondHistory({ seed: 1, customers: 2_000, days: 30, start });
    lines = [];
    for (const batch of history.run()) for (const txn of batch.transactions) lines.push(transactionLine(txn));
    transactions = lines.map((line) => transactionLineSchema.safeParse(JSON.parse(line)).data);
    labels = history.labels().map((label) => labelLineSchema.parse(JSON.parse(labelLine(label))));
    frauds = history.frauds();
  });

  const parsed = (): TransactionLine[] => transactions.filter((t): t is TransactionLine => t !== undefined);

  it('writes transactions that match the transaction contract, with 0.00 allowed', () => {
    expect(lines.length).toBeGreaterThan(50_000);
    expect(lines.filter((_, i) => transactions[i] === undefined)).toEqual([]);
    expect(parsed().some((t) => t.amount === 0)).toBe(true);
  });

  it('writes RFC 3339 UTC times with milliseconds and amounts with two decimals', () => {
    expect(parsed().filter((t) => !MILLISECOND_UTC.test(t.occurredAt))).toEqual([]);
    expect(lines.filter((line) => !/"amount":\d+\.\d{2},/.test(line))).toEqual([]);
    expect(labels.filter((l) => !MILLISECOND_UTC.test(l.reportedAt) || !MILLISECOND_UTC.test(l.occurredAt ?? ''))).toEqual([]);
  });

  it('never writes anything the service would take for a card number', () => {
    expect(parsed().filter((t) => findCardNumbers(t).length > 0)).toEqual([]);
  });

  it('uses its own id prefixes, so the two histories cannot be confused', () => {
    const foreign = parsed().filter(
      (t) => !t.transactionId.startsWith('t2-') || !t.cardId.startsWith('k2-') || !t.merchantId.startsWith('mer2-') || t.customerId?.startsWith('c2-') !== true,
    );
    expect(foreign).toEqual([]);
  });

  it('writes transactions in occurredAt order and labels in reportedAt order', () => {
    const times = parsed().map((t) => Date.parse(t.occurredAt));
    expect(times.filter((t, i) => i > 0 && t < (times[i - 1] ?? t))).toEqual([]);
    const reported = labels.map((l) => Date.parse(l.reportedAt));
    expect(reported.filter((t, i) => i > 0 && t < (reported[i - 1] ?? t))).toEqual([]);
  });

  it('labels only generated transactions, with their card, merchant and time, reported after them', () => {
    const byId = new Map(parsed().map((t) => [t.transactionId, t] as const));
    expect(labels.length).toBeGreaterThan(0);
    const wrong = labels.filter((l) => {
      const t = byId.get(l.transactionId);
      return (
        !t || t.cardId !== l.cardId || t.merchantId !== l.merchantId || t.occurredAt !== l.occurredAt || Date.parse(l.reportedAt) <= Date.parse(t.occurredAt)
      );
    });
    expect(wrong).toEqual([]);
  });

  it('produces frauds of every typology', () => {
    const missing = SCENARIOS.filter((scenario) => !frauds.some((t) => t.truth === scenario));
    expect(missing).toEqual([]);
  });

  it('keeps the fraud rate between 0.1% and 0.5% of transactions', () => {
    const rate = frauds.length / lines.length;
    expect(rate).toBeGreaterThanOrEqual(0.001);
    expect(rate).toBeLessThanOrEqual(0.005);
  });

  it('leaves some frauds unlabelled and takes some wrong labels back', () => {
    const labelledFraud = new Set(labels.filter((l) => l.fraud).map((l) => l.transactionId));
    const unlabelled = frauds.filter((t) => t.id !== undefined && !labelledFraud.has(t.id));
    expect(unlabelled.length).toBeGreaterThan(0);
    expect(unlabelled.length).toBeLessThan(frauds.length);
    const corrected = labels.filter((l) => !l.fraud && l.scenario === FALSE_POSITIVE).map((l) => l.transactionId);
    expect(corrected.length).toBeGreaterThan(0);
    for (const id of corrected) expect(labelledFraud.has(id)).toBe(true);
  });
});

describe('writeHistory', () => {
  const dirs: string[] = [];
  const write = async (seed: number): Promise<{ transactions: Buffer; labels: Buffer }> => {
    const dir = mkdtempSync(join(tmpdir(), 'second-history-'));
    dirs.push(dir);
    await writeHistory({ seed, customers: 300, days: 21, start }, dir, () => undefined);
    return { transactions: readFileSync(join(dir, 'transactions.jsonl')), labels: readFileSync(join(dir, 'labels.jsonl')) };
  };

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes byte-identical files for the same seed, and different ones for another seed', async () => {
    const first = await write(5);
    const again = await write(5);
    const other = await write(6);
    expect(first.transactions.length).toBeGreaterThan(0);
    expect(first.labels.length).toBeGreaterThan(0);
    expect(again.transactions.equals(first.transactions)).toBe(true);
    expect(again.labels.equals(first.labels)).toBe(true);
    expect(other.transactions.equals(first.transactions)).toBe(false);
  });
});
