/**
 * What every typology shares: the context it writes into, the fraud rings (devices reused
 * across many stolen cards, addresses from residential proxies or rented hosting), and the
 * high-risk online merchants stolen card details are spent at.
 */
import type { CalendarDay } from './calendar';
import type { CategoryKey } from './catalogue';
import type { Card } from './cards';
import type { Customer } from './customers';
import type { LabelBook } from './labels';
import type { Merchant } from './merchants';
import { hostingAddress, ipv4In, type Device } from './network';
import { fromEuros } from './places';
import type { Rng } from './rng';
import { newTxn, type Scenario, type Txn } from './txn';
import type { World } from './world';

export interface FraudContext {
  readonly world: World;
  readonly days: readonly CalendarDay[];
  readonly labels: LabelBook;
  /** Puts a fraudulent transaction into the history (dropped when its card is blocked by then). */
  readonly emit: (txn: Txn) => void;
}

/** A typology: a published fraud pattern, as processes over days, customers and merchant visits. */
export interface Typology {
  readonly scenario: Scenario;
  /** Before customers' own spending on a day. */
  startDay?(day: number): void;
  /** For each customer on each day, before their own spending (personal incidents). */
  customerDay?(customerIndex: number, day: number): void;
  /** Sees each of the customers' own transactions before it is written. */
  onLegit?(txn: Txn): void;
}

export interface FraudRing {
  readonly devices: Device[];
  /** Share of sessions through a residential proxy in the cardholder's country (else hosting abroad). */
  readonly residential: number;
}

export function newRing(ctx: FraudContext, rng: Rng): FraudRing {
  const devices: Device[] = [];
  const count = rng.int(4, 14);
  for (let i = 0; i < count; i += 1) devices.push(ctx.world.devices.create(rng.chance(0.6) ? 'laptop' : 'phone'));
  return { devices, residential: rng.uniform(0.3, 0.85) };
}

export function ringAddress(ring: FraudRing, card: Card, rng: Rng): string {
  return rng.chance(ring.residential) ? ipv4In(card.customer.home.country, rng) : hostingAddress(rng).ip;
}

/** The high-value online merchants fraudsters buy resellable goods at, lax ones preferred. */
export function riskyMerchant(ctx: FraudContext, kinds: readonly CategoryKey[], homeCountry: string, rng: Rng): Merchant {
  const kind = rng.pick(kinds);
  const candidates = ctx.world.merchants.onlineFor(kind, homeCountry);
  return rng.weighted(candidates, (m) => Math.pow(m.weight, 0.3) * (m.lax ? 5 : 1));
}

export function fraudOnline(
  card: Card,
  merchant: Merchant,
  at: number,
  euros: number,
  device: Device | undefined,
  ip: string | undefined,
  scenario: Scenario,
): Txn {
  return newTxn(
    {
      at,
      card,
      customer: card.customer,
      merchant,
      amount: euros === 0 ? 0 : fromEuros(euros, merchant.currency),
      channel: 'ecommerce',
      deviceId: device?.id,
      ip,
    },
    scenario,
  );
}

export function fraudPresent(card: Card, merchant: Merchant, at: number, amount: number, scenario: Scenario): Txn {
  return newTxn(
    { at, card, customer: card.customer, merchant, amount, channel: merchant.channel === 'atm' ? 'atm' : 'card_present', deviceId: undefined, ip: undefined },
    scenario,
  );
}

/** Resale goods: electronics, gift cards, travel, luxury fashion, digital goods, crypto. */
export const RESALE_KINDS: readonly CategoryKey[] = [
  'online-electronics',
  'online-electronics',
  'gift-cards',
  'gift-cards',
  'airline',
  'hotel-booking',
  'online-fashion',
  'games',
  'crypto',
  'travel-agency',
];

const RESALE_AMOUNTS: Partial<Record<CategoryKey, (rng: Rng) => number>> = {
  'gift-cards': (rng) => rng.pick([50, 100, 100, 150, 200, 250]),
  'online-electronics': (rng) => rng.logNormal(520, 0.55),
  crypto: (rng) => rng.logNormal(300, 0.6),
  airline: (rng) => rng.logNormal(420, 0.5),
  'travel-agency': (rng) => rng.logNormal(420, 0.5),
  'hotel-booking': (rng) => rng.logNormal(300, 0.5),
  games: (rng) => rng.pick([19.99, 49.99, 59.99, 69.99, 99.99]),
};

/** A typical amount for a fraudulent purchase at a resale merchant, euros. */
export function resaleEuros(kind: CategoryKey, rng: Rng): number {
  return (RESALE_AMOUNTS[kind] ?? ((r: Rng) => r.logNormal(260, 0.5)))(rng);
}

/**
 * The chance that a customer used one of their regular merchants at least once over some days,
 * from their weekly habit for its kind (for compromises that happened before the history).
 */
export function usedWithin(c: Customer, merchant: Merchant, days: number, weekly = weeklyRate(c, merchant.category)): number {
  const regulars = c.favourites.get(merchant.category) ?? [];
  if (!regulars.includes(merchant)) return 0;
  const expected = ((weekly * c.activity * 0.75) / regulars.length) * (days / 7);
  return 1 - Math.exp(-expected);
}

export function weeklyRate(c: Customer, key: CategoryKey): number {
  return c.weekly.find(([k]) => k === key)?.[1] ?? 0;
}
