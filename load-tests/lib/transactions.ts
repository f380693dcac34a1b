import { existsSync } from 'node:fs';
import { jsonLines, parseLine } from '../../models/replay/replay';
import { transactionSchema, type Transaction } from '../../src/transactions/transaction.schema';

/**
 * The bench's traffic: the simulator's realistic history (cards with habits, merchants with
 * categories, travel, fraud bursts) when a file is given, else a generated stream of the same
 * shape for the smoke run. Both are in event-time order.
 */
export async function loadTransactions(path: string | null, count: number): Promise<Transaction[]> {
  if (path === null) return generated(count);
  if (!existsSync(path)) throw new Error(`${path} does not exist (npm run simulate -- --out DIR writes one)`);
  const txs: Transaction[] = [];
  for await (const { line, value } of jsonLines(path)) {
    txs.push(parseLine(transactionSchema, path, line, value));
    if (txs.length >= count) break;
  }
  if (txs.length < count) throw new Error(`${path} holds ${txs.length} transactions; the bench asked for ${count}`);
  return txs;
}

/** Element i of a non-empty list, wrapping around. */
export function cycle<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error('cycle() needs a non-empty list');
  return item;
}

function generated(count: number): Transaction[] {
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => ({
    transactionId: `bench-${String(i)}`,
    occurredAt: new Date(start + i * 500).toISOString(),
    cardId: `card-${String((i * 7919) % 5000)}`,
    merchantId: `m-${String(i % 400)}`,
    amount: 5 + ((i * 31) % 200),
    currency: 'EUR',
    location: { lat: 48 + (i % 10) / 10, lon: 2 + (i % 7) / 10 },
  }));
}
