import { CATEGORIES, CATEGORY, isLocated, type Category, type CategoryKey } from './categories';
import type { City } from './cities';
import type { Customer } from './customers';
import { money, type SimEvent } from './events';
import { distanceKm, type Point } from './geo';
import type { Merchant, MerchantDirectory } from './merchants';
import { at, WeightedTable, type Rng } from './rng';
import { minGapMs, tripOn, whereabouts } from './travel';
import { DAY, HOUR, MINUTE, sampleTime, weekdayFactor } from './time';

export interface DayContext {
  readonly day: number;
  readonly dayStart: number;
  readonly weekday: number;
  readonly merchants: MerchantDirectory;
  readonly event: (fields: Omit<SimEvent, 'seq' | 'fraud'>) => SimEvent;
}

/** What the simulation remembers about a customer between days. */
export interface CustomerState {
  readonly rng: Rng;
  /** Its own stream, so the card-on-file checks leave every other draw of the customer as it was. */
  readonly verifications: Rng;
  lastLocated: { readonly t: number; readonly at: Point } | null;
}

/** On a trip people eat out and take taxis, and buy fewer groceries and less fuel. */
const AWAY: Partial<Record<CategoryKey, number>> = {
  restaurant: 2.5,
  fast_food: 1.5,
  grocery: 0.4,
  fuel: 0.2,
  ride_hailing: 2,
  atm: 1.5,
  pharmacy: 0.5,
  gift_store: 3,
  marketplace: 0.4,
  clothing_online: 0.3,
  electronics_online: 0.3,
};
const SHOPPING_ROUND: readonly CategoryKey[] = ['clothing_store', 'department_store', 'gift_store', 'fast_food', 'pharmacy', 'grocery', 'electronics_store'];
const BIG_PURCHASE: readonly CategoryKey[] = [
  'electronics_store',
  'electronics_online',
  'furniture_store',
  'department_store',
  'jewellery_store',
  'clothing_store',
];
const BIG_PURCHASE_WEIGHTS = [3, 3, 2, 1.5, 0.5, 1] as const;
const ATM_NOTES = [20, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500] as const;
const CHARM_PRICED = new Set<CategoryKey>(['digital_goods', 'marketplace', 'clothing_online', 'electronics_online', 'clothing_store']);

/** One customer's legitimate transactions on one UTC day, with plausible travel between located ones. */
export function legitDay(ctx: DayContext, customer: Customer, state: CustomerState): SimEvent[] {
  const { rng } = state;
  const trip = tripOn(customer.trips, ctx.day);
  const weights = new Float64Array(CATEGORIES.length);
  let expected = 0;
  CATEGORIES.forEach((c, i) => {
    const w = (customer.preferences[i] ?? 0) * weekdayFactor(c.rhythm, ctx.weekday) * (trip ? (AWAY[c.key] ?? 1) : 1);
    weights[i] = w;
    expected += w;
  });
  const events: SimEvent[] = [];
  const clock = trip && ctx.day > trip.startDay && ctx.day < trip.endDay ? trip.city : customer.home;
  const count = rng.poisson(customer.frequency * expected * (trip ? 1.2 : 1));
  for (let i = 0; i < count; i++) {
    const c = at(CATEGORIES, rng.weighted(weights));
    everyday(ctx, customer, state, c, sampleTime(rng, c.rhythm, ctx.dayStart, clock), events);
  }
  occasional(ctx, customer, state, events);
  cardOnFile(ctx, state, events);
  return keepTravelPlausible(events, state, ctx.dayStart + DAY);
}

function everyday(ctx: DayContext, customer: Customer, state: CustomerState, c: Category, t: number, events: SimEvent[]): void {
  const { rng } = state;
  const merchant = merchantFor(ctx, customer, rng, c, t);
  if (merchant === undefined) return;
  events.push(purchase(ctx, customer, rng, merchant, t, amountFor(rng, c, customer.scale)));
  // Several purchases in a row: a round of shops, or a few orders on one site.
  if (!rng.chance(0.06)) return;
  let previous = merchant;
  let when = t;
  for (let k = rng.int(1, 3); k > 0; k--) {
    when += rng.int(1, 12) * MINUTE + rng.int(0, 59_999);
    const next = isLocated(previous.category) ? nextDoor(ctx, rng, previous, when, customer) : sameSite(ctx, customer, rng, previous);
    if (next === undefined) return;
    events.push(purchase(ctx, customer, rng, next, when, amountFor(rng, next.category, customer.scale)));
    previous = next;
  }
}

/** Subscriptions, flight bookings, hotel bills and the occasional big purchase. */
function occasional(ctx: DayContext, customer: Customer, state: CustomerState, events: SimEvent[]): void {
  const { rng } = state;
  const dayOfMonth = new Date(ctx.dayStart).getUTCDate();
  for (const sub of customer.subscriptions) {
    if (sub.dayOfMonth !== dayOfMonth) continue;
    const t = ctx.dayStart + sub.hour * HOUR + rng.int(0, HOUR - 1);
    events.push(ctx.event({ t, customer, card: at(customer.cards, 0), merchant: sub.merchant, amount: sub.amount, deviceId: null }));
  }
  for (const trip of customer.trips) {
    if (trip.bookingDay === ctx.day) {
      const t = sampleTime(rng, 'online', ctx.dayStart, customer.home);
      events.push(purchase(ctx, customer, rng, ctx.merchants.online('airline').draw(rng), t, trip.fare));
    }
    // Hotels charge at check-out, a few hours before the flight home.
    const checkout = trip.leaveAt - rng.range(2, 4) * HOUR;
    if (checkout >= ctx.dayStart && checkout < ctx.dayStart + DAY && whereabouts(customer.trips, checkout).kind === 'away') {
      const hotel = ctx.merchants.local(trip.city, 'hotel')?.draw(rng);
      const nights = Math.max(1, trip.endDay - trip.startDay);
      if (hotel) events.push(purchase(ctx, customer, rng, hotel, checkout, money(nights * rng.logNormal(110 * Math.sqrt(customer.scale), 0.3))));
    }
  }
  if (rng.chance(customer.bigPurchaseRate)) {
    const c = CATEGORY[at(BIG_PURCHASE, rng.weighted(BIG_PURCHASE_WEIGHTS))];
    const t = sampleTime(rng, c.rhythm, ctx.dayStart, customer.home);
    const merchant = whereabouts(customer.trips, t).kind === 'home' ? merchantFor(ctx, customer, rng, c, t, 0.3) : undefined;
    if (merchant) events.push(purchase(ctx, customer, rng, merchant, t, money(Math.max(150, customer.typicalAmount * rng.range(3, 15)))));
  }
}

/** Share of online purchases preceded by an account verification (the card saved at checkout). */
const CARD_ON_FILE_RATE = 0.01;

/**
 * A 0.00 authorisation (an account verification, which card schemes use to check a card before
 * it is stored on file or added to a wallet) seconds before some online purchases, at the same
 * merchant from the same device. Legitimate zero-amount traffic, so that a zero-amount count is
 * a feature with two sides and not a fraud flag.
 */
function cardOnFile(ctx: DayContext, state: CustomerState, events: SimEvent[]): void {
  const rng = state.verifications;
  for (const e of events.slice()) {
    if (e.merchant.category.channel !== 'ecommerce' || !rng.chance(CARD_ON_FILE_RATE)) continue;
    const t = Math.max(ctx.dayStart, e.t - rng.int(5_000, 120_000));
    events.push(ctx.event({ t, customer: e.customer, card: e.card, merchant: e.merchant, amount: 0, deviceId: e.deviceId }));
  }
}

/** A merchant where the customer is at `t`: usually a regular near home, sometimes a new one. */
function merchantFor(ctx: DayContext, customer: Customer, rng: Rng, c: Category, t: number, regularShare = 0.88): Merchant | undefined {
  const regulars = customer.favourites[CATEGORIES.indexOf(c)] ?? [];
  if (!isLocated(c)) return regulars.length > 0 && rng.chance(0.9) ? regular(rng, regulars) : ctx.merchants.online(c.key).draw(rng);
  const where = whereabouts(customer.trips, t);
  if (where.kind === 'transit') return undefined;
  if (where.kind === 'away') return ctx.merchants.local(where.city, c.key)?.draw(rng);
  return regulars.length > 0 && rng.chance(regularShare) ? regular(rng, regulars) : ctx.merchants.local(customer.home, c.key)?.draw(rng);
}

const REGULAR_WEIGHTS = [0.55, 0.25, 0.12, 0.08] as const;
/** One of the customer's regulars, the first (the corner shop) most often. */
export const regular = (rng: Rng, regulars: readonly Merchant[]): Merchant => at(regulars, rng.weighted(REGULAR_WEIGHTS.slice(0, regulars.length)));

/** A shop close to the previous one (same street or mall), where the customer still is. */
function nextDoor(ctx: DayContext, rng: Rng, previous: Merchant, t: number, customer: Customer): Merchant | undefined {
  const city: City | null = previous.city;
  const from = previous.location;
  if (city === null || from === null || whereabouts(customer.trips, t).kind === 'transit') return undefined;
  const pool = ctx.merchants.local(city, at(SHOPPING_ROUND, rng.int(0, SHOPPING_ROUND.length - 1)));
  if (pool === undefined) return undefined;
  return new WeightedTable(pool.items, (m) => (m.location === null ? 0 : m.popularity * Math.exp(-distanceKm(from, m.location)))).draw(rng);
}

function sameSite(ctx: DayContext, customer: Customer, rng: Rng, previous: Merchant): Merchant {
  return rng.chance(0.6) ? previous : ctx.merchants.online('marketplace').draw(rng);
}

function purchase(ctx: DayContext, customer: Customer, rng: Rng, merchant: Merchant, t: number, amount: number): SimEvent {
  const channel = merchant.category.channel;
  const card = channel === 'atm' ? at(customer.cards, 0) : at(customer.cards, rng.weighted(customer.cardWeights));
  const deviceId = channel === 'ecommerce' ? deviceFor(rng, customer, ctx.day) : null;
  return ctx.event({ t, customer, card, merchant, amount, deviceId });
}

/** The customer's own devices, a replacement phone from its day on, and now and then a borrowed one. */
function deviceFor(rng: Rng, customer: Customer, day: number): string {
  if (rng.chance(0.015)) return `dev-${rng.hex(12)}`;
  const i = customer.devices.length > 1 && rng.chance(0.3) ? 1 : 0;
  const { replacement } = customer;
  if (i === 0 && replacement !== null && day >= replacement.day) return replacement.deviceId;
  return at(customer.devices, i);
}

export function amountFor(rng: Rng, c: Category, scale: number): number {
  if (c.channel === 'atm') {
    const wanted = rng.logNormal(c.median * scale, c.sigma);
    return ATM_NOTES.reduce((best, note) => (Math.abs(note - wanted) < Math.abs(best - wanted) ? note : best));
  }
  const x = Math.max(0.5, rng.logNormal(c.median * scale, c.sigma));
  if (CHARM_PRICED.has(c.key) && x >= 1 && rng.chance(0.4)) return money(Math.ceil(x) - 0.01);
  return money(x);
}

/**
 * Moves located payments later where the customer could not have got there in time (a shop
 * across town a minute later, a foreign city before the plane lands), and drops those that end
 * up past the day's end.
 */
function keepTravelPlausible(events: SimEvent[], state: CustomerState, dayEnd: number): SimEvent[] {
  events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  const kept: SimEvent[] = [];
  for (const event of events) {
    const here = event.merchant.location;
    const last = state.lastLocated;
    if (here !== null && last !== null) {
      const earliest = last.t + Math.ceil(minGapMs(distanceKm(last.at, here)));
      if (event.t < earliest) event.t = earliest + state.rng.int(0, 5 * MINUTE);
    }
    // A round of purchases that started late in the evening ends at midnight.
    if (event.t >= dayEnd) continue;
    if (here !== null) state.lastLocated = { t: event.t, at: here };
    kept.push(event);
  }
  return kept;
}
