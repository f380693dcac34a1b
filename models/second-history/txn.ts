/**
 * A generated transaction before it is written, with what only the generator knows: whether it
 * is fraud (and of which typology) and the labels the issuer will eventually report for it.
 */
import type { Card } from './cards';
import type { Channel } from './catalogue';
import type { Customer } from './customers';
import type { Merchant } from './merchants';

export const SCENARIOS = ['card_testing', 'skimming_cashout', 'breach_cnp', 'account_takeover', 'lost_stolen', 'first_party'] as const;
/** The opt-in drift scenario (drift.ts): not among SCENARIOS, which every run has. */
export const DRIFT_SCENARIO = 'new_merchant_ring';
export type Scenario = (typeof SCENARIOS)[number] | typeof DRIFT_SCENARIO;

/** The scenario name a label carries when a legitimate transaction was labelled fraud. */
export const FALSE_POSITIVE = 'false_positive';
export type LabelScenario = Scenario | typeof FALSE_POSITIVE;

export interface LabelPlan {
  readonly fraud: boolean;
  readonly reportedAt: number;
  readonly scenario: LabelScenario;
}

export interface Txn {
  readonly at: number;
  readonly card: Card;
  readonly customer: Customer;
  readonly merchant: Merchant;
  /** Hundredths of the merchant currency's unit. */
  readonly amount: number;
  readonly channel: Channel;
  readonly deviceId: string | undefined;
  readonly ip: string | undefined;
  /** The typology, for fraud; undefined for the customer's own transactions. */
  truth: Scenario | undefined;
  labels: LabelPlan[] | undefined;
  /** Assigned when the transaction is written. */
  id: string | undefined;
}

export function newTxn(fields: Omit<Txn, 'truth' | 'labels' | 'id'>, truth?: Scenario): Txn {
  // Spelled out rather than spread: this runs for every transaction, and a spread allocates twice.
  return {
    at: fields.at,
    card: fields.card,
    customer: fields.customer,
    merchant: fields.merchant,
    amount: fields.amount,
    channel: fields.channel,
    deviceId: fields.deviceId,
    ip: fields.ip,
    truth,
    labels: undefined,
    id: undefined,
  };
}
