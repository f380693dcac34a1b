/**
 * Lost and stolen cards. A wallet is pickpocketed (more often on a trip, in a bar, on public
 * transport) and the card is used in person within minutes to hours, until the customer
 * reports it: a run of contactless payments just under the no-PIN limit at convenience stores,
 * tobacconists, off-licences, fuel stations and fast food, and, when the PIN was watched over a
 * shoulder, cash withdrawals and electronics. Spending happens where the thief is: the city of
 * the theft, or another city the thief moves on to. Most lost cards are just lost: reported and
 * replaced with no misuse. Follows UK Finance's "lost and stolen card" category and Europol's
 * notes on pickpocketing gangs in tourist areas.
 */
import { blockCard, physicalCardAt, type Card } from './cards';
import { DAY_MS, HOUR_MS, MINUTE_MS, localToUtc } from './calendar';
import type { CategoryKey } from './catalogue';
import type { Customer, Segment } from './customers';
import { fraudPresent, type FraudContext, type Typology } from './fraud-kit';
import { settle, type DetectionProfile } from './labels';
import { drawHour } from './legit-day';
import { CITIES, countryOf, currencyOf, distanceKm, fromEuros, hasRole, type City } from './places';
import { Rng } from './rng';
import { tripOn } from './travel';
import type { Txn } from './txn';

const SCENARIO = 'lost_stolen';

/** Thefts followed by misuse, per customer per day, at home. */
const HAZARD = 5.5e-5;
/** Cards lost without misuse, per customer per day. */
const LOSS_HAZARD = 1 / 2500;

const EXPOSURE: Readonly<Record<Segment, number>> = {
  commuter: 1.2,
  family: 0.8,
  student: 1.5,
  'cash-user': 1.1,
  'online-first': 0.7,
  'frequent-traveller': 1.3,
  retired: 1,
  dormant: 0.05,
};

const DETECTION: DetectionProfile = {
  issuerCatches: (t) => (t.channel === 'atm' ? 0.15 : 0.05),
  reported: 0.97,
  // From the theft: most notice within hours, some the next day, a few after a weekend away.
  reportDelay: (rng) => Math.min(4 * DAY_MS, Math.max(20 * MINUTE_MS, rng.logNormal(4 * HOUR_MS, 1))),
  filingDelay: (rng) => rng.uniform(1, 72) * HOUR_MS,
  disputed: () => 0.9,
  reissueDays: (rng) => rng.int(2, 5),
};

const CONTACTLESS: readonly CategoryKey[] = ['convenience', 'convenience', 'tobacco', 'liquor', 'fastfood', 'grocery', 'fuel', 'bar', 'clothing'];
const WITH_PIN: readonly CategoryKey[] = ['atm', 'atm', 'electronics', 'jewelry'];

export function lostStolen(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  return {
    scenario: SCENARIO,
    customerDay(index, day) {
      const c = ctx.world.customers[index];
      if (!c) return;
      const trip = tripOn(c, day);
      if (rng.chance(HAZARD * EXPOSURE[c.segment] * (trip ? 4 : 1))) steal(ctx, c, day, trip?.city ?? c.home, rng);
      else if (rng.chance(LOSS_HAZARD)) lose(ctx, c, day, rng);
    },
  };
}

function theftTime(ctx: FraudContext, place: City, dayIndex: number, rng: Rng): number | undefined {
  const day = ctx.days[dayIndex];
  return day
    ? localToUtc(
        place.tz,
        day.midnight +
          drawHour(
            [
              [8, 12, 1],
              [12, 18, 2],
              [18, 24, 3],
            ],
            rng,
          ) *
            HOUR_MS,
      )
    : undefined;
}

function lose(ctx: FraudContext, c: Customer, dayIndex: number, rng: Rng): void {
  const at = theftTime(ctx, c.home, dayIndex, rng);
  const slot = c.slots[0];
  const card = slot && at !== undefined ? physicalCardAt(slot, at) : undefined;
  if (!card || at === undefined) return;
  card.lostAt = at;
  blockCard(card, at + DETECTION.reportDelay(rng), rng.int(2, 5));
}

function steal(ctx: FraudContext, c: Customer, dayIndex: number, place: City, rng: Rng): void {
  const theft = theftTime(ctx, place, dayIndex, rng);
  if (theft === undefined) return;
  const wallet = c.slots.map((s) => physicalCardAt(s, theft)).filter((card): card is Card => card !== undefined);
  const card = wallet.find((k) => k.slot.kind === 'debit') ?? wallet[0];
  if (!card) return;
  for (const k of wallet) k.lostAt = theft;

  const where = rng.chance(0.55) ? place : nearby(place, rng);
  const pinKnown = rng.chance(0.2);
  const limitEuros = countryOf(where.country).contactlessLimitEuros;
  const txns: Txn[] = [];
  let at = theft + rng.uniform(5, 150) * MINUTE_MS;
  const count = rng.int(2, 8);
  for (let i = 0; i < count; i += 1) {
    const kind = pinKnown && rng.chance(0.5) ? rng.pick(WITH_PIN) : rng.pick(CONTACTLESS);
    const shops = ctx.world.merchants.inCity(where, kind);
    if (shops.length === 0) continue;
    const shop = rng.pick(shops);
    let amount: number;
    if (kind === 'atm') amount = Math.round(rng.pick(currencyOf(shop.currency).atmMaxima) * 100);
    else if (kind === 'electronics' || kind === 'jewelry') amount = fromEuros(rng.logNormal(450, 0.4), shop.currency);
    else amount = fromEuros(limitEuros * rng.uniform(0.45, 0.98), shop.currency);
    txns.push(fraudPresent(card, shop, at, amount, SCENARIO));
    at += rng.uniform(3, 25) * MINUTE_MS;
  }
  const { blockedAt } = settleAndEmit(ctx, txns, theft, rng);
  const reportedAt = blockedAt ?? theft + DETECTION.reportDelay(rng);
  // Reported or not, a missing wallet is reported lost in the end: every card in it is blocked.
  for (const k of wallet) blockCard(k, reportedAt, rng.int(2, 5));
}

function settleAndEmit(ctx: FraudContext, txns: Txn[], theft: number, rng: Rng): { blockedAt: number | undefined } {
  const settlement = settle(txns, SCENARIO, DETECTION, rng, ctx.labels, { reportFrom: theft });
  for (const t of settlement.survivors) ctx.emit(t);
  return settlement;
}

/** Another city within a few hours by train or car, in the same country when there is one. */
function nearby(place: City, rng: Rng): City {
  const others = CITIES.filter((c) => c !== place && (hasRole(c, 'home') || hasRole(c, 'destination')) && distanceKm(c.centre, place.centre) < 700);
  const sameCountry = others.filter((c) => c.country === place.country);
  const pool = sameCountry.length > 0 ? sameCountry : others;
  return pool.length > 0 ? rng.pick(pool) : place;
}
