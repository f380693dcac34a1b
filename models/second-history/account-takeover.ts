/**
 * Account takeover: a phished or reused password gives a fraudster the customer's account at
 * an online merchant or wallet where the card is stored. From a device and an address the
 * customer never used, the fraudster sometimes re-verifies the card (a 0.00 check after changing
 * the delivery address), then places several high-value orders within a few hours, at the
 * customer's own shops and at resale merchants. The customer keeps using the card meanwhile and
 * usually learns of it from order e-mails within days. Follows UK Finance's "card ID theft /
 * account takeover" category and the account-takeover patterns in Visa's and Europol's
 * threat reports.
 */
import { cardAt } from './cards';
import { DAY_MS, HOUR_MS, MINUTE_MS, localToUtc } from './calendar';
import type { CategoryKey } from './catalogue';
import type { Customer, Segment } from './customers';
import { fraudOnline, newRing, resaleEuros, riskyMerchant, RESALE_KINDS, type FraudContext, type FraudRing, type Typology } from './fraud-kit';
import { settle, statementDelay, type DetectionProfile } from './labels';
import { drawHour } from './legit-day';
import type { Merchant } from './merchants';
import { hostingAddress, ipv4In } from './network';
import { currencyOf } from './places';
import { Rng } from './rng';
import type { Txn } from './txn';

const SCENARIO = 'account_takeover';

/** Incidents per customer per day at susceptibility 1. */
const HAZARD = 7e-5;

const SUSCEPTIBILITY: Readonly<Record<Segment, number>> = {
  commuter: 1,
  family: 1,
  student: 1.2,
  'cash-user': 0.1,
  'online-first': 2.5,
  'frequent-traveller': 1.2,
  retired: 1.6,
  dormant: 0.2,
};

const DETECTION: DetectionProfile = {
  issuerCatches: (t) => (t.amount / 100 / currencyOf(t.merchant.currency).perEuro >= 1000 ? 0.2 : 0.1),
  reported: 0.9,
  reportDelay: statementDelay(4),
  filingDelay: (rng) => rng.uniform(0, 2) * DAY_MS,
  disputed: (t) => (t.amount === 0 ? 0 : 0.97),
  reissueDays: (rng) => rng.int(3, 7),
};

const OWN_SHOPS: readonly CategoryKey[] = ['online-marketplace', 'online-fashion', 'online-electronics', 'hotel-booking'];

export function accountTakeover(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  const rings = Array.from({ length: 3 }, () => newRing(ctx, rng));
  return {
    scenario: SCENARIO,
    customerDay(index, day) {
      const c = ctx.world.customers[index];
      if (!c || !rng.chance(HAZARD * SUSCEPTIBILITY[c.segment])) return;
      takeOver(ctx, c, day, rng, rng.pick(rings));
    },
  };
}

function takeOver(ctx: FraudContext, c: Customer, dayIndex: number, rng: Rng, ring: FraudRing): void {
  const day = ctx.days[dayIndex];
  if (!day) return;
  const begin = localToUtc(
    c.home.tz,
    day.midnight +
      drawHour(
        [
          [0, 6, 1.5],
          [6, 24, 1],
        ],
        rng,
      ) *
        HOUR_MS,
  );
  const slot = c.slots.find((s) => s.kind === 'credit') ?? c.slots[0];
  const card = slot ? cardAt(slot, begin) : undefined;
  if (!card) return;
  const device = rng.chance(0.5) ? ctx.world.devices.create(rng.chance(0.5) ? 'phone' : 'laptop') : rng.pick(ring.devices);
  const abroad = rng.chance(0.55);
  const address = (): string => (abroad ? hostingAddress(rng).ip : ipv4In(c.home.country, rng));
  let ip = address();
  const own: Merchant[] = OWN_SHOPS.flatMap((k) => c.favourites.get(k) ?? []);
  const txns: Txn[] = [];
  let at = begin;
  if (own.length > 0 && rng.chance(0.5)) {
    txns.push(fraudOnline(card, rng.pick(own), at, 0, device, ip, SCENARIO));
    at += rng.uniform(2, 40) * MINUTE_MS;
  }
  const orders = rng.int(2, 6);
  for (let i = 0; i < orders; i += 1) {
    const merchant = own.length > 0 && rng.chance(0.4) ? rng.pick(own) : riskyMerchant(ctx, RESALE_KINDS, c.home.country, rng);
    const euros = merchant.category === 'gift-cards' ? resaleEuros('gift-cards', rng) : rng.logNormal(260, 0.5) * (1 + 0.35 * i);
    txns.push(fraudOnline(card, merchant, at, euros, device, ip, SCENARIO));
    at += rng.uniform(4, 70) * MINUTE_MS;
    if (rng.chance(0.25)) ip = address();
  }
  const { survivors } = settle(txns, SCENARIO, DETECTION, rng, ctx.labels);
  for (const t of survivors) ctx.emit(t);
}
