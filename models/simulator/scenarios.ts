import { CATEGORIES, isLocated, type CategoryKey } from './categories';
import { CITIES, type City } from './cities';
import { prefersCategory, type Customer } from './customers';
import { money, type SimEvent } from './events';
import { distanceKm } from './geo';
import { amountFor, regular, type DayContext } from './legit-day';
import type { Merchant } from './merchants';
import { at, type Rng } from './rng';
import { HOUR, MINUTE, SECOND, sampleTime, sampleUtcTime, type Rhythm } from './time';

/** What an incident sees: the day, the merchants, and the victim's legitimate transactions today. */
export interface FraudContext extends DayContext {
  readonly rng: Rng;
  readonly today: (customer: Customer) => readonly SimEvent[];
  readonly cardTesters: readonly Merchant[];
}

export interface Victim {
  readonly customer: Customer;
  readonly card: string;
}

/** A fraud ring's view of a skimming incident, for cards compromised at a breached merchant. */
export interface Breach {
  readonly merchants: readonly Merchant[];
  readonly from: number;
  readonly to: number;
  readonly cashOut: readonly Merchant[];
  readonly ringDevices: readonly string[];
}

/** Impossible travel with margin: the service flags anything over 900 km/h. */
const FRAUD_MIN_KMH = 1100;
const FAR_KM = 800;

/**
 * A cloned or stolen card used in person in a distant city soon after the cardholder paid at
 * home: the first use implies over 1100 km/h from the card's previous located transaction, and
 * a few more high-value purchases and withdrawals follow within the hour or two.
 */
export function stolenCardFar(ctx: FraudContext, { customer, card }: Victim): SimEvent[] | null {
  const { rng } = ctx;
  const located = ctx.today(customer).filter((e) => e.card === card && e.merchant.location !== null);
  if (located.length === 0) return null;
  const anchor = rng.pick(located);
  const far = CITIES.filter((c) => distanceKm(customer.location, c) >= FAR_KM);
  const city = at(far, rng.weighted(far.map((c) => c.weight)));
  const first = cashingMerchant(ctx, city);
  const firstAt = first?.location ?? null;
  if (first === undefined || firstAt === null) return null;
  let t = anchor.t + rng.int(10 * MINUTE, 3 * HOUR);
  const previous = located.filter((e) => e.t < t).reduce((a, b) => (b.t > a.t ? b : a));
  const previousAt = previous.merchant.location;
  if (previousAt === null) return null;
  const maxGap = (distanceKm(previousAt, firstAt) / FRAUD_MIN_KMH) * HOUR;
  if (t - previous.t > maxGap) t = previous.t + Math.floor(rng.range(0.3, 0.95) * maxGap);
  const events = [ctx.event({ t, customer, card, merchant: first, amount: cashingAmount(rng, first), deviceId: null })];
  for (let n = rng.weighted([0.2, 0.25, 0.2, 0.15, 0.1, 0.1]); n > 0; n--) {
    t += rng.int(4 * MINUTE, 45 * MINUTE);
    const merchant = cashingMerchant(ctx, city);
    if (merchant) events.push(ctx.event({ t, customer, card, merchant, amount: cashingAmount(rng, merchant), deviceId: null }));
  }
  return events;
}

const TINY_AMOUNTS = [0.5, 1, 1, 1, 1.5, 2, 2.5, 3] as const;
const BIG_ONLINE: readonly CategoryKey[] = ['electronics_online', 'marketplace', 'gift_cards_online'];

/**
 * A bot tries a card with 5-30 tiny online payments seconds apart from one new device, and
 * half the time uses a card that worked for one large purchase later on. A quarter of the bots
 * probe with zero-amount account verifications instead, which cost them nothing.
 */
export function cardTesting(ctx: FraudContext, { customer, card }: Victim): SimEvent[] {
  const { rng } = ctx;
  const deviceId = `dev-${rng.hex(12)}`;
  const testers = rng.chance(0.7) ? [rng.pick(ctx.cardTesters)] : ctx.cardTesters.filter(() => rng.chance(0.6));
  const sites = testers.length > 0 ? testers : ctx.cardTesters.slice(0, 1);
  // Bursts end before 23:30 so that a whole burst falls within the simulated days.
  let t = sampleUtcTime(rng, 'night', ctx.dayStart, 22);
  const events: SimEvent[] = [];
  const zeroAuth = rng.chance(0.25);
  for (let n = rng.int(5, 30); n > 0; n--) {
    const amount = zeroAuth ? 0 : rng.chance(0.6) ? money(rng.range(0.5, 3)) : rng.pick(TINY_AMOUNTS);
    events.push(ctx.event({ t, customer, card, merchant: rng.pick(sites), amount, deviceId }));
    t += rng.int(3 * SECOND, 40 * SECOND);
  }
  if (rng.chance(0.5)) {
    const merchant = ctx.merchants.online(rng.pick(BIG_ONLINE)).draw(rng);
    t += rng.int(5 * MINUTE, 48 * HOUR);
    events.push(ctx.event({ t, customer, card, merchant, amount: money(rng.range(200, 1500)), deviceId }));
  }
  return events;
}

const TAKEOVER_TARGETS: readonly CategoryKey[] = ['electronics_online', 'gift_cards_online', 'jewellery_online'];
const TAKEOVER_WEIGHTS = [3, 2, 1] as const;

/**
 * Someone logs in to the customer's account from a new device and buys what resells well,
 * in a category the customer rarely buys, for several times their usual amount.
 */
export function accountTakeover(ctx: FraudContext, { customer, card }: Victim): SimEvent[] {
  const { rng } = ctx;
  const unusual = TAKEOVER_TARGETS.map((k, i) => at(TAKEOVER_WEIGHTS, i) * (prefersCategory(customer, k) < 0.005 ? 1 : 0.1));
  const key = at(TAKEOVER_TARGETS, rng.weighted(unusual));
  const deviceId = `dev-${rng.hex(12)}`;
  let t = sampleUtcTime(rng, rng.chance(0.5) ? 'night' : 'online', ctx.dayStart);
  const events: SimEvent[] = [];
  for (let n = rng.weighted([0, 0.5, 0.3, 0.2]); n > 0; n--) {
    const merchant = ctx.merchants.online(key).draw(rng);
    const amount = Math.max(100, customer.typicalAmount * rng.range(3, 10));
    events.push(ctx.event({ t, customer, card, merchant, amount: key === 'gift_cards_online' ? Math.ceil(amount / 50) * 50 : money(amount), deviceId }));
    t += rng.int(3 * MINUTE, 60 * MINUTE);
  }
  return events;
}

const HABIT_STORES: readonly CategoryKey[] = ['electronics_store', 'jewellery_store', 'department_store', 'clothing_store', 'furniture_store'];
const HABIT_STORE_WEIGHTS = [3, 1, 1.5, 1.5, 1] as const;
const HABIT_SITES: readonly CategoryKey[] = ['electronics_online', 'marketplace', 'clothing_online'];

/** One purchase 5-20x the customer's usual amount, in a shop near home or online from a new device. */
export function amountAboveHabit(ctx: FraudContext, { customer, card }: Victim): SimEvent[] | null {
  const { rng } = ctx;
  const amount = money(customer.typicalAmount * rng.range(5, 20));
  if (rng.chance(0.4)) {
    const merchant = ctx.merchants.online(rng.pick(HABIT_SITES)).draw(rng);
    const t = sampleTime(rng, 'online', ctx.dayStart, customer.home);
    return [ctx.event({ t, customer, card, merchant, amount, deviceId: `dev-${rng.hex(12)}` })];
  }
  const merchant = ctx.merchants.local(customer.home, at(HABIT_STORES, rng.weighted(HABIT_STORE_WEIGHTS)))?.draw(rng);
  const t = quietTime(ctx, customer, 'shop');
  if (merchant === undefined || t === null) return null;
  return [ctx.event({ t, customer, card, merchant, amount, deviceId: null })];
}

/**
 * Fraud that looks like the customer: an ordinary amount at one of their regular merchants, in
 * person near home or online from their own device (a lost card used locally, family fraud).
 */
export function hardLookalike(ctx: FraudContext, { customer, card }: Victim): SimEvent[] | null {
  const { rng } = ctx;
  const events: SimEvent[] = [];
  for (let n = rng.chance(0.3) ? 2 : 1; n > 0; n--) {
    const i = rng.weighted(customer.preferences);
    const c = at(CATEGORIES, i);
    const regulars = customer.favourites[i] ?? [];
    if (regulars.length === 0) continue;
    const merchant = regular(rng, regulars);
    const t = isLocated(c) ? quietTime(ctx, customer, c.rhythm) : sampleTime(rng, c.rhythm, ctx.dayStart, customer.home);
    if (t === null) continue;
    const deviceId = c.channel === 'ecommerce' ? at(customer.devices, 0) : null;
    events.push(ctx.event({ t, customer, card, merchant, amount: amountFor(rng, c, customer.scale), deviceId }));
  }
  return events.length > 0 ? events : null;
}

/**
 * A ring cashes out a card skimmed at a breached merchant: new devices it shares across cards,
 * goods that resell, cash from ATMs, often at its own small set of merchants.
 */
export function compromisedCashOut(ctx: FraudContext, { customer, card }: Victim, breach: Breach, dayStart: number): SimEvent[] {
  const { rng } = ctx;
  let t = sampleUtcTime(rng, rng.chance(0.6) ? 'night' : 'online', dayStart, 21);
  const events: SimEvent[] = [];
  for (let n = rng.int(1, 4); n > 0; n--) {
    const merchant = rng.chance(0.55) ? rng.pick(breach.cashOut) : elsewhere(ctx, customer.home);
    if (merchant !== undefined) {
      const deviceId = merchant.category.channel === 'ecommerce' ? rng.pick(breach.ringDevices) : null;
      events.push(ctx.event({ t, customer, card, merchant, amount: cashingAmount(rng, merchant), deviceId }));
    }
    t += rng.int(5 * MINUTE, 90 * MINUTE);
  }
  return events;
}

function elsewhere(ctx: FraudContext, home: City): Merchant | undefined {
  const { rng } = ctx;
  if (rng.chance(0.5)) return ctx.merchants.online(rng.pick(BIG_ONLINE)).draw(rng);
  return cashingMerchant(ctx, rng.pick(CITIES.filter((c) => c !== home)));
}

const CASHING: readonly CategoryKey[] = ['electronics_store', 'jewellery_store', 'atm', 'department_store', 'clothing_store'];
const CASHING_WEIGHTS = [3, 2, 3, 1, 1] as const;
const ATM_MAX = [200, 250, 300, 400, 500] as const;

function cashingMerchant(ctx: FraudContext, city: City): Merchant | undefined {
  return ctx.merchants.local(city, at(CASHING, ctx.rng.weighted(CASHING_WEIGHTS)))?.draw(ctx.rng);
}

/** Amounts a fraudster picks: near the limit for cash, resellable goods otherwise. */
const CASHING_AMOUNT: Partial<Record<CategoryKey, (rng: Rng) => number>> = {
  atm: (rng) => rng.pick(ATM_MAX),
  gift_cards_online: (rng) => rng.int(2, 10) * 50,
  jewellery_store: (rng) => money(rng.range(400, 2500)),
  jewellery_online: (rng) => money(rng.range(400, 2500)),
  electronics_store: (rng) => money(rng.range(250, 1500)),
  electronics_online: (rng) => money(rng.range(250, 1500)),
};

function cashingAmount(rng: Rng, merchant: Merchant): number {
  return (CASHING_AMOUNT[merchant.category.key] ?? ((r: Rng) => money(r.range(120, 600))))(rng);
}

/**
 * A time near home with no other located payment of the customer within 45 minutes, so the
 * fraud does not stand out by travel speed; null when the day is too busy.
 */
function quietTime(ctx: FraudContext, customer: Customer, rhythm: Rhythm): number | null {
  const located = ctx.today(customer).filter((e) => e.merchant.location !== null);
  for (let attempt = 0; attempt < 10; attempt++) {
    const t = sampleTime(ctx.rng, rhythm, ctx.dayStart, customer.home);
    if (located.every((e) => Math.abs(e.t - t) > 45 * MINUTE)) return t;
  }
  return null;
}
