/**
 * An opt-in drift scenario, `new_merchant_ring`, for measuring how a model copes with fraud it
 * was never trained on. From a given UTC day (by default the first of the days a batch model
 * holds out), a handful of online sellers of digital goods (game credits, top-ups, software
 * keys) open, and a fraud ring spends stolen card details there: one to three small payments per
 * card within hours, each at a different one of the new sellers, at the cardholder's ordinary
 * hours, from a residential address in the cardholder's country and a fresh browser
 * fingerprint per card. It is designed to be unlike the six typologies, not taken from a
 * published one: no device shared across cards, no card test first, no large or round amounts,
 * no night, and an MCC with plenty of legitimate traffic and no fraud before. The sellers also
 * get a little honest business, growing as they become known.
 *
 * The scenario only adds to the history: it draws from a stream of its own, keeps its merchants
 * and devices out of the world's directory and counters, numbers its transactions apart from
 * the world's, and is labelled by settle() without blocking cards. Everything else, before the
 * start and after it, is exactly the run without drift.
 */
import { cardAt } from './cards';
import { CATEGORIES, type HourWindows } from './catalogue';
import { DAY_MS, HOUR_MS, MINUTE_MS, localToUtc, type CalendarDay } from './calendar';
import type { Customer } from './customers';
import { weeklyRate, type FraudContext } from './fraud-kit';
import { opaqueToken } from './ids';
import { settle, statementDelay, type DetectionProfile } from './labels';
import { drawHour } from './legit-day';
import type { Merchant } from './merchants';
import { DeviceFactory, ipv4In, type Device } from './network';
import { countryOf, currencyOf, fromEuros } from './places';
import { Rng, WeightedTable } from './rng';
import { tripOn } from './travel';
import { DRIFT_SCENARIO, newTxn, type Txn } from './txn';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { floor, min } = Math;

export interface DriftOptions {
  /** UTC midnight of the drift's first day, ms. */
  readonly from: number;
}

/** Days a batch model holds out at the end of a history for evaluation: the default start is the first of them. */
export const HELD_OUT_DAYS = 30;

/** The scenario's parameters, set once (README "Drift"). */
const RING = {
  newMerchants: [5, 8],
  countries: ['IE', 'LU', 'NL', 'DE', 'FR', 'ES', 'IT', 'PT'],
  /** Each seller's price list: a few of these, euros. */
  prices: [3.99, 4.99, 5.99, 7.99, 9.99, 12.99, 14.99, 19.99, 24.99, 29.99],
  pricesPerMerchant: [4, 6],
  /** The ring's payments as a share of the day's other transactions, drawn each day. */
  share: [0.002, 0.003],
  /** Chances of one, two and three payments on a card. */
  payments: [0.5, 0.35, 0.15],
  gapMinutes: [10, 150],
  /** The cardholder's local hours: a first payment in these, none at 23:00 or later. */
  hours: [
    [9, 12, 2],
    [12, 14, 2],
    [14, 18, 3],
    [18, 22, 3],
  ] as HourWindows,
  lastHour: 23,
  /** Honest purchases at the new sellers as a share of the day's traffic, reached after rampDays. */
  honestShare: 0.0008,
  rampDays: 14,
  honestHours: [
    [8, 12, 2],
    [12, 18, 3],
    [18, 23, 4],
  ] as HourWindows,
} as const;

const MEAN_PAYMENTS = RING.payments.reduce((sum, p, i) => sum + p * (i + 1), 0);
const MCC_KIND = 'app-store';
const TXN_SALT = 0x7d21_f7a9;
// Above any count the world's device factory reaches, so the ring's fingerprints never repeat one of its ids.
const FIRST_DEVICE = 2 ** 31;

const euros = (t: Txn): number => t.amount / 100 / currencyOf(t.merchant.currency).perEuro;

const DETECTION: DetectionProfile = {
  // Small amounts at sellers without a fraud history: the issuer's monitoring seldom stops one.
  issuerCatches: () => 0.02,
  reported: 0.75,
  reportDelay: statementDelay(12),
  filingDelay: (rng) => rng.uniform(0, 3) * DAY_MS,
  // A few euros from an unknown seller is overlooked more often than a large order.
  disputed: (t) => (euros(t) < 10 ? 0.55 : 0.8),
  // Unused: the scenario is labelled without blocking cards (settle's labelsOnly).
  reissueDays: (rng) => rng.int(5, 9),
};

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Why a drift start cannot be used for a history, or undefined when it can. */
export function driftStartProblem(start: number, days: number, from: number): string | undefined {
  if (!Number.isFinite(from) || (from - start) % DAY_MS !== 0) return `the drift start must be a UTC midnight, not ${String(from)}`;
  if (from < start || from >= start + days * DAY_MS)
    return `the drift start ${isoDay(from)} is outside the generated period, ${isoDay(start)} to ${isoDay(start + (days - 1) * DAY_MS)}`;
  return undefined;
}

export class NewMerchantRing {
  readonly merchants: readonly Merchant[];
  readonly fromDay: number;
  private readonly owned: ReadonlySet<Merchant>;
  private readonly prices = new Map<Merchant, readonly number[]>();
  private readonly rng: Rng;
  private readonly devices = new DeviceFactory(FIRST_DEVICE);
  /** Customers weighted by how often they buy digital goods; undefined when nobody does. */
  private readonly buyers: WeightedTable<Customer> | undefined;
  private named = 0;
  private honestWritten = 0;

  constructor(
    private readonly ctx: FraudContext,
    options: DriftOptions,
    seed: number,
  ) {
    const { start, days } = ctx.world.options;
    const problem = driftStartProblem(start, days, options.from);
    if (problem !== undefined) throw new Error(problem);
    this.fromDay = (options.from - start) / DAY_MS;
    this.rng = Rng.fork(seed, DRIFT_SCENARIO);
    const first = ctx.world.merchants.all.length + 1;
    this.merchants = Array.from({ length: this.rng.int(RING.newMerchants[0], RING.newMerchants[1]) }, (_, i) => this.newMerchant(first + i, i));
    this.owned = new Set(this.merchants);
    const weight = (c: Customer): number => (weeklyRate(c, 'app-store') + weeklyRate(c, 'games')) * c.activity;
    this.buyers = ctx.world.customers.some((c) => weight(c) > 0) ? new WeightedTable(ctx.world.customers, weight) : undefined;
  }

  /** Whether a transaction is one of the scenario's (every one is at its merchants, and nothing else is). */
  owns(txn: Txn): boolean {
    return this.owned.has(txn.merchant);
  }

  /** Names one of the scenario's transactions as it is written: a token of its own, so the world's numbering stays as it was. */
  name(txn: Txn): void {
    this.named += 1;
    txn.id = `t2-${opaqueToken(this.named, TXN_SALT)}`;
    if (txn.truth === undefined) this.honestWritten += 1;
  }

  /** The scenario's transactions written so far. */
  get written(): number {
    return this.named;
  }

  /** Honest purchases at the new sellers written so far. */
  get honest(): number {
    return this.honestWritten;
  }

  /**
   * The ring's and the honest customers' payments of a UTC day, given the day's transactions so
   * far (its customers' own day is generated, the next one's is not: phones and home addresses
   * are as they were that day).
   */
  plan(dayIndex: number, traffic: number): void {
    const day = this.ctx.days[dayIndex];
    if (!day || dayIndex < this.fromDay) return;
    const rng = this.rng;
    const customers = this.ctx.world.customers;
    const cards = rng.poisson((rng.uniform(RING.share[0], RING.share[1]) * traffic) / MEAN_PAYMENTS);
    for (const customer of rng.sample(customers, min(cards, customers.length))) this.ringCard(customer, day);
    if (!this.buyers) return;
    const known = min(1, (dayIndex - this.fromDay + 1) / RING.rampDays);
    const honest = rng.poisson(RING.honestShare * known * traffic);
    for (let i = 0; i < honest; i += 1) this.honestPurchase(this.buyers.draw(rng), day);
  }

  private newMerchant(number: number, rank: number): Merchant {
    const rng = this.rng;
    const country = rng.pick(RING.countries);
    const category = CATEGORIES[MCC_KIND];
    const merchant: Merchant = {
      // Numbered after the world's merchants, as a seller that opens later would be.
      id: `mer2-${String(number).padStart(5, '0')}`,
      category: MCC_KIND,
      mcc: category.mcc,
      channel: category.channel,
      country,
      currency: countryOf(country).currency,
      city: undefined,
      location: undefined,
      weight: 1 / (rank + 1),
      small: true,
      lax: true,
      regulars: 0,
      watches: undefined,
    };
    const list = rng.sample(RING.prices, rng.int(RING.pricesPerMerchant[0], RING.pricesPerMerchant[1]));
    this.prices.set(merchant, list);
    return merchant;
  }

  private price(merchant: Merchant): number {
    return fromEuros(this.rng.pick(this.prices.get(merchant) ?? RING.prices), merchant.currency);
  }

  private ringCard(customer: Customer, day: CalendarDay): void {
    const rng = this.rng;
    const tz = customer.home.tz;
    const first = localToUtc(tz, day.midnight + floor(drawHour(RING.hours, rng) * HOUR_MS));
    const card = cardAt(rng.pick(customer.slots), first);
    if (!card) return;
    // A fresh fingerprint per card (an anti-detect browser) and an address in the cardholder's country: nothing links two cards.
    const device = this.devices.create(rng.chance(0.5) ? 'laptop' : 'phone');
    const ip = ipv4In(customer.home.country, rng);
    const closing = localToUtc(tz, day.midnight + RING.lastHour * HOUR_MS);
    const count = rng.weighted([1, 2, 3], (n) => RING.payments[n - 1] ?? 0);
    const txns: Txn[] = [];
    let at = first;
    for (const merchant of rng.sample(this.merchants, count)) {
      if (at >= closing) break;
      txns.push(newTxn({ at, card, customer, merchant, amount: this.price(merchant), channel: 'ecommerce', deviceId: device.id, ip }, DRIFT_SCENARIO));
      at += rng.uniform(RING.gapMinutes[0], RING.gapMinutes[1]) * MINUTE_MS;
    }
    const { survivors } = settle(txns, DRIFT_SCENARIO, DETECTION, rng, this.ctx.labels, { labelsOnly: true });
    for (const t of survivors) this.ctx.emit(t);
  }

  /** A customer at home buying from one of the new sellers on their own device and address. */
  private honestPurchase(c: Customer, day: CalendarDay): void {
    const rng = this.rng;
    if (tripOn(c, day.index)) return;
    const at = localToUtc(c.home.tz, day.midnight + floor(drawHour(RING.honestHours, rng) * HOUR_MS));
    const card = cardAt(rng.pick(c.slots), at);
    if (!card) return;
    const merchant = rng.weighted(this.merchants, (m) => m.weight);
    const device: Device | undefined = c.phone && rng.chance(0.75) ? c.phone : (c.laptop ?? c.household.sharedDevice ?? c.phone);
    const ip = device !== undefined && device === c.phone && rng.chance(0.6) ? rng.pick(c.carrier.egress) : c.household.homeIp;
    this.ctx.emit(newTxn({ at, card, customer: c, merchant, amount: this.price(merchant), channel: 'ecommerce', deviceId: device?.id, ip }));
  }
}
