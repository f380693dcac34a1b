/**
 * Counterfeit card-present fraud after skimming. A skimmer (and a pinhole camera or PIN-pad
 * overlay) sits on a cash machine or a fuel-pump terminal in one of the home cities for one to
 * three weeks: the point of compromise, where many of the cards that pass through are copied.
 * Days to weeks later a crew writes the magnetic stripes onto blank cards and cashes them out
 * in one or a few nights, many cards one after another at a handful of machines, mostly abroad
 * where the stripe still works (the Americas, South-East Asia), taking the machine's largest
 * amounts, sometimes returning the next night; sometimes instead buying resellable goods in
 * another city at home. Follows Europol's and the European ATM Security Team's (EAST)
 * descriptions of skimming and of cash-out outside the EMV area, and UK Finance's
 * "counterfeit card" category.
 */
import { DAY_MS, HOUR_MS, localToUtc, MINUTE_MS } from './calendar';
import type { Card } from './cards';
import type { CategoryKey } from './catalogue';
import { fraudPresent, usedWithin, weeklyRate, type FraudContext, type Typology } from './fraud-kit';
import { settle, statementDelay, type DetectionProfile } from './labels';
import { watch, type Merchant } from './merchants';
import { CITIES, countryOf, currencyOf, fromEuros, hasRole, type City } from './places';
import { Rng } from './rng';
import type { Txn } from './txn';

const SCENARIO = 'skimming_cashout';

const DETECTION: DetectionProfile = {
  issuerCatches: (t) => (t.channel === 'atm' && t.merchant.country !== t.customer.home.country ? 0.28 : 0.12),
  reported: 0.92,
  reportDelay: statementDelay(5),
  filingDelay: (rng) => rng.uniform(0, 1.5) * DAY_MS,
  disputed: () => 0.97,
  reissueDays: (rng) => rng.int(4, 8),
};

interface CashOutRun {
  readonly city: City;
  readonly abroad: boolean;
  /** UTC start of the run. */
  readonly start: number;
  readonly hours: number;
  readonly places: readonly Merchant[];
}

const HOMES = CITIES.filter((c) => hasRole(c, 'home'));
const CASHOUT = CITIES.filter((c) => hasRole(c, 'cashout'));
const DOMESTIC_GOODS: readonly CategoryKey[] = ['electronics', 'jewelry', 'department', 'fuel'];

export function skimming(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  // The world does not start clean: machines compromised in the weeks before day 0 are cashed out early in the history.
  for (let i = 0; i < 2; i += 1) compromise(ctx, -rng.int(14, 30), rng, true);
  let next = rng.int(0, 6);
  return {
    scenario: SCENARIO,
    startDay(day) {
      if (day < next) return;
      next = day + rng.int(8, 20);
      compromise(ctx, day, rng, false);
    },
  };
}

function compromise(ctx: FraudContext, day: number, rng: Rng, beforeHistory: boolean): void {
  const { start } = ctx.world.options;
  const home = rng.weighted(HOMES, (c) => c.residents);
  const kind: CategoryKey = rng.chance(0.6) ? 'atm' : 'fuel-pump';
  const candidates = rng.sample(ctx.world.merchants.inCity(home, kind), 6);
  const poc = candidates.reduce<Merchant | undefined>((best, m) => (!best || m.regulars > best.regulars ? m : best), undefined);
  if (!poc) return;
  const from = start + day * DAY_MS + rng.uniform(0, 20) * HOUR_MS;
  const to = from + rng.int(5, 21) * DAY_MS;
  const earliest = start + DAY_MS;
  const runs: CashOutRun[] = [];
  const runCount = rng.int(1, 3);
  let runDay = Math.max(earliest, to + rng.uniform(3, 25) * DAY_MS);
  for (let i = 0; i < runCount; i += 1) {
    runs.push(plan(ctx, home, runDay, rng));
    runDay += rng.uniform(1, 6) * DAY_MS;
  }
  const copied = new Set<Card>();
  const capture = (card: Card): void => {
    if (copied.has(card) || !rng.chance(0.75)) return;
    copied.add(card);
    cashOut(ctx, card, rng.pick(runs), rng);
  };
  if (beforeHistory) {
    const days = (to - from) / DAY_MS;
    for (const c of ctx.world.customers) {
      const weekly =
        kind === 'atm' ? weeklyRate(c, 'atm') + (c.cashDay === undefined ? 0 : c.segment === 'cash-user' ? 0.8 : 0.5) : weeklyRate(c, 'fuel') * 0.3;
      if (!rng.chance(usedWithin(c, poc, days, weekly))) continue;
      const card = c.slots.find((s) => s.kind === 'debit')?.cards[0];
      if (card) capture(card);
    }
    return;
  }
  watch(poc, {
    from,
    to,
    onUse: (txn) => {
      capture(txn.card);
    },
  });
}

function plan(ctx: FraudContext, home: City, around: number, rng: Rng): CashOutRun {
  const abroad = rng.chance(0.75);
  const city = abroad ? rng.pick(CASHOUT) : rng.pick(HOMES.filter((c) => c !== home));
  const kinds: readonly CategoryKey[] = abroad ? ['atm'] : DOMESTIC_GOODS;
  const places = kinds.flatMap((k) => rng.sample(ctx.world.merchants.inCity(city, k), abroad ? rng.int(2, 5) : 2));
  const midnight = Math.floor(around / DAY_MS) * DAY_MS;
  const localHour = abroad ? (rng.chance(0.7) ? rng.uniform(20, 24) : rng.uniform(10, 15)) : rng.uniform(10, 16);
  return { city, abroad, start: Math.max(around, localToUtc(city.tz, midnight + localHour * HOUR_MS)), hours: rng.uniform(2, 5), places };
}

function cashOut(ctx: FraudContext, card: Card, run: CashOutRun, rng: Rng): void {
  if (run.places.length === 0) return;
  const txns: Txn[] = [];
  let at = run.start + rng.uniform(0, run.hours) * HOUR_MS;
  const nights = rng.chance(0.35) ? 2 : 1;
  for (let night = 0; night < nights; night += 1) {
    const place = rng.pick(run.places);
    const uses = run.abroad ? rng.int(1, 3) : rng.int(1, 2);
    for (let i = 0; i < uses; i += 1) {
      txns.push(fraudPresent(card, place, at, amountAt(place, run.abroad, rng), SCENARIO));
      at += run.abroad ? rng.uniform(40, 150) * 1000 : rng.uniform(15, 90) * MINUTE_MS;
    }
    at = run.start + (night + 1) * DAY_MS + rng.uniform(0, run.hours) * HOUR_MS;
  }
  const { survivors } = settle(txns, SCENARIO, DETECTION, rng, ctx.labels);
  for (const t of survivors) ctx.emit(t);
}

function amountAt(place: Merchant, abroad: boolean, rng: Rng): number {
  if (place.channel === 'atm') {
    const { atmMaxima, atmAmounts } = currencyOf(place.currency);
    const units = abroad || rng.chance(0.7) ? rng.pick(atmMaxima) : rng.pick(atmAmounts);
    return Math.round(units * 100);
  }
  const euros = place.category === 'fuel' ? rng.logNormal(75, 0.25) : rng.logNormal(380, 0.5) * countryOf(place.country).priceLevel;
  return fromEuros(euros, place.currency);
}
