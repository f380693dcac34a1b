import { randomUUID } from 'node:crypto';
import type { Transaction } from '../../src/transactions/transaction.schema';

/** A valid transaction with random ids; tests override only the fields they depend on. */
export function aTransaction(overrides: Partial<Transaction> = {}): Transaction {
  return {
    transactionId: `tx-${randomUUID()}`,
    occurredAt: '2026-11-20T12:00:00.000Z',
    cardId: `card-${randomUUID()}`,
    merchantId: `merchant-${randomUUID()}`,
    amount: Math.round(Math.random() * 10_000) / 100 + 1,
    currency: 'EUR',
    ...overrides,
  };
}

export const at = (base: string, offsetMs: number) => new Date(Date.parse(base) + offsetMs).toISOString();
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
