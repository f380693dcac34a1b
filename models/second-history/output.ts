/**
 * The service's contract, as JSON lines: transactions (README "Transaction") and labels
 * (README "Label", plus the typology in `scenario`). Amounts are written with two decimals.
 */
import type { LabelScenario, Txn } from './txn';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { floor } = Math;

export interface LabelRecord {
  readonly transactionId: string;
  readonly fraud: boolean;
  readonly reportedAt: number;
  readonly cardId: string;
  readonly merchantId: string;
  readonly occurredAt: number;
  readonly scenario: LabelScenario;
}

export function formatAmount(hundredths: number): string {
  const whole = floor(hundredths / 100);
  const cents = hundredths - whole * 100;
  return `${whole}.${String(cents).padStart(2, '0')}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function transactionLine(t: Txn): string {
  if (t.id === undefined) throw new Error('a transaction is written only once it has an id');
  const m = t.merchant;
  let line = `{"transactionId":"${t.id}","occurredAt":"${iso(t.at)}","cardId":"${t.card.id}","merchantId":"${m.id}","amount":${formatAmount(t.amount)},"currency":"${m.currency}","customerId":"${t.customer.id}","merchantCategory":"${m.mcc}","channel":"${t.channel}"`;
  if (t.deviceId !== undefined) line += `,"deviceId":"${t.deviceId}"`;
  if (t.ip !== undefined) line += `,"ipAddress":"${t.ip}"`;
  if (m.location && t.channel !== 'ecommerce' && t.channel !== 'other') line += `,"location":{"lat":${m.location.lat},"lon":${m.location.lon}}`;
  return `${line},"country":"${m.country}"}`;
}

export function labelLine(l: LabelRecord): string {
  return `{"transactionId":"${l.transactionId}","fraud":${l.fraud},"reportedAt":"${iso(l.reportedAt)}","cardId":"${l.cardId}","merchantId":"${l.merchantId}","occurredAt":"${iso(l.occurredAt)}","scenario":"${l.scenario}"}`;
}
