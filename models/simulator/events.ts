import type { Channel } from './categories';
import type { Customer } from './customers';
import type { Merchant } from './merchants';
import type { Rng } from './rng';

export const SCENARIOS = ['stolen_card_far', 'card_testing', 'account_takeover', 'compromised_merchant', 'amount_above_habit', 'hard_lookalike'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * A fraud pattern that starts late in the run, for evaluating a learner on fraud its training
 * window never held. Not in SCENARIOS: the planner draws from its stream for every entry there,
 * so listing it would change every run, drift or not.
 */
export const DRIFT_SCENARIO = 'charity_ring';
export type DriftScenario = typeof DRIFT_SCENARIO;
export type FraudScenario = Scenario | DriftScenario;

/** A transaction before it gets its id and its place in the output order. */
export interface SimEvent {
  /** Epoch milliseconds; legitimate events may be pushed later to keep travel speeds plausible. */
  t: number;
  /** Generation order: breaks ties between equal times so output order is deterministic. */
  readonly seq: number;
  readonly customer: Customer;
  readonly card: string;
  readonly merchant: Merchant;
  readonly amount: number;
  readonly deviceId: string | null;
  fraud: { readonly scenario: FraudScenario; readonly reportAt: number } | null;
}

/** The service's transaction contract, with the fields this simulator always fills. */
export interface SimTransaction {
  readonly transactionId: string;
  readonly occurredAt: string;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: 'EUR';
  readonly customerId: string;
  readonly merchantCategory: string;
  readonly channel: Channel;
  readonly deviceId?: string;
  readonly location?: { readonly lat: number; readonly lon: number };
  readonly country: string;
}

export interface SimLabel {
  readonly transactionId: string;
  readonly fraud: true;
  readonly reportedAt: string;
  readonly cardId: string;
  readonly merchantId: string;
  readonly occurredAt: string;
  readonly scenario: FraudScenario;
}

export function toTransaction(event: SimEvent, transactionId: string): SimTransaction {
  const { merchant } = event;
  return {
    transactionId,
    occurredAt: new Date(event.t).toISOString(),
    cardId: event.card,
    merchantId: merchant.id,
    amount: event.amount,
    currency: 'EUR',
    customerId: event.customer.id,
    merchantCategory: merchant.category.mcc,
    channel: merchant.category.channel,
    ...(event.deviceId === null ? {} : { deviceId: event.deviceId }),
    ...(merchant.location === null ? {} : { location: { lat: merchant.location.lat, lon: merchant.location.lon } }),
    country: merchant.country,
  };
}

export function toLabel(event: SimEvent, tx: SimTransaction): SimLabel | null {
  if (event.fraud === null) return null;
  return {
    transactionId: tx.transactionId,
    fraud: true,
    reportedAt: new Date(event.fraud.reportAt).toISOString(),
    cardId: tx.cardId,
    merchantId: tx.merchantId,
    occurredAt: tx.occurredAt,
    scenario: event.fraud.scenario,
  };
}

/**
 * `tx-` and 16 hex digits. About one random 16-digit hex string in 2,000 is all decimal digits,
 * which the service's card-number guard could take for a PAN: redraw any with a 13-digit run.
 */
export function transactionId(rng: Rng): string {
  for (;;) {
    const hex = rng.hex(16);
    if (!/\d{13}/.test(hex)) return `tx-${hex}`;
  }
}

/** Cents, and never zero. */
export const money = (x: number): number => Math.max(0.01, Math.round(x * 100) / 100);
