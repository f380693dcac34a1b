/**
 * Card-not-present fraud after a data breach at an online merchant: a stolen database of the
 * cards customers let the shop keep, or digital skimming ("Magecart", formjacking) on the
 * checkout page copying the details customers type in for weeks before it is found. The details are sold in batches on carding markets and used
 * days to weeks later by fraud rings (a few devices shared across many stolen cards, residential
 * proxies in the cardholder's country or rented servers abroad) for resellable goods:
 * electronics, gift cards, flights and hotels, luxury fashion, games, crypto, often after one
 * small purchase to check the card works. Follows Visa's Payment Fraud Disruption reports on
 * e-skimming, Europol's IOCTA and UK Finance's "remote purchase fraud" category.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar';
import { cardAt, type Card } from './cards';
import type { CategoryKey } from './catalogue';
import type { Customer } from './customers';
import {
  fraudOnline,
  newRing,
  resaleEuros,
  riskyMerchant,
  RESALE_KINDS,
  ringAddress,
  usedWithin,
  type FraudContext,
  type FraudRing,
  type Typology,
} from './fraud-kit';
import { settle, statementDelay, type DetectionProfile } from './labels';
import { watch, type Merchant } from './merchants';
import { Rng } from './rng';
import type { Txn } from './txn';

const SCENARIO = 'breach_cnp';

const DETECTION: DetectionProfile = {
  issuerCatches: (t) => (t.merchant.category === 'crypto' || t.merchant.category === 'gift-cards' ? 0.14 : 0.08),
  reported: 0.86,
  reportDelay: statementDelay(10),
  filingDelay: (rng) => rng.uniform(0, 3) * DAY_MS,
  disputed: (t) => (t.amount < 2000 ? 0.6 : 0.95),
  reissueDays: (rng) => rng.int(5, 9),
};

const BREACHABLE: readonly CategoryKey[] = ['online-fashion', 'online-electronics', 'webshop', 'gift-cards', 'games', 'online-grocery'];
const CHECK_KINDS: readonly CategoryKey[] = ['games', 'gift-cards'];

export function dataBreach(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  const rings = Array.from({ length: 5 }, () => newRing(ctx, rng));
  breach(ctx, 0, rng, rings, true);
  let next = rng.int(3, 15);
  return {
    scenario: SCENARIO,
    startDay(day) {
      if (day < next) return;
      next = day + rng.int(7, 18);
      breach(ctx, day, rng, rings, false);
    },
  };
}

type BreachStyle = 'stored-cards' | 'old-skimmer' | 'live-skimmer';

function breach(ctx: FraudContext, day: number, rng: Rng, rings: readonly FraudRing[], beforeHistory: boolean): void {
  const { start } = ctx.world.options;
  const shops = BREACHABLE.flatMap((k) => ctx.world.merchants.onlineOf(k)).filter((m) => m.regulars >= 3);
  if (shops.length === 0) return;
  const shop = rng.weighted(shops, (m) => m.regulars);
  // A stolen database of stored cards; a checkout skimmer found only now, its haul sold in batches; or one at work today.
  const style: BreachStyle = rng.weighted<BreachStyle>(
    beforeHistory ? ['stored-cards', 'old-skimmer'] : ['stored-cards', 'old-skimmer', 'live-skimmer'],
    (s) => (s === 'stored-cards' ? 0.4 : 0.3),
  );
  const sale = start + Math.max(0, day) * DAY_MS;
  const copied = new Set<Card>();
  /** Stolen details are used from `after` plus days to weeks; `used` of them within the months that follow. */
  const capture = (card: Card | undefined, after: number, medianDays: number, used: number): void => {
    if (!card || copied.has(card) || !rng.chance(0.9)) return;
    copied.add(card);
    if (!rng.chance(used)) return;
    const useAt = after + Math.min(60, Math.max(0.5, rng.logNormal(medianDays, 0.6))) * DAY_MS;
    incident(ctx, card, useAt, rng.pick(rings), rng);
  };
  const storedCard = (c: Customer): Card | undefined => {
    const slot = c.slots.find((s) => s.kind === 'credit') ?? c.slots[0];
    return slot ? cardAt(slot, sale) : undefined;
  };
  const length = rng.int(14, 45);
  switch (style) {
    case 'stored-cards':
      // Regular customers who let the shop keep their card; a large dump sells slowly.
      for (const c of ctx.world.customers) {
        if ((c.favourites.get(shop.category) ?? []).includes(shop) && rng.chance(0.35)) capture(storedCard(c), sale, 10, 0.18);
      }
      return;
    case 'old-skimmer':
      for (const c of ctx.world.customers) if (rng.chance(usedWithin(c, shop, length))) capture(storedCard(c), sale, 8, 0.35);
      return;
    case 'live-skimmer': {
      const from = start + day * DAY_MS;
      watch(shop, {
        from,
        to: from + length * DAY_MS,
        onUse: (txn) => {
          capture(txn.card, txn.at, 12, 0.5);
        },
      });
      return;
    }
  }
}

function incident(ctx: FraudContext, card: Card, at: number, ring: FraudRing, rng: Rng): void {
  const txns: Txn[] = [];
  let device = rng.pick(ring.devices);
  let ip = ringAddress(ring, card, rng);
  let when = at;
  const country = card.customer.home.country;
  if (rng.chance(0.35)) {
    const check: Merchant = riskyMerchant(ctx, CHECK_KINDS, country, rng);
    txns.push(fraudOnline(card, check, when, rng.pick([4.99, 9.99, 10, 15, 19.99]), device, ip, SCENARIO));
    when += rng.uniform(5, 180) * MINUTE_MS;
  }
  const purchases = rng.weighted([1, 2, 3, 4, 5], (n) => [0.25, 0.3, 0.25, 0.12, 0.08][n - 1] ?? 0);
  for (let i = 0; i < purchases; i += 1) {
    const merchant = riskyMerchant(ctx, RESALE_KINDS, country, rng);
    txns.push(fraudOnline(card, merchant, when, resaleEuros(merchant.category, rng), device, ip, SCENARIO));
    when += rng.uniform(10, 600) * MINUTE_MS;
    if (rng.chance(0.2)) device = rng.pick(ring.devices);
    if (rng.chance(0.5)) ip = ringAddress(ring, card, rng);
    if (rng.chance(0.15)) when += rng.uniform(12, 36) * HOUR_MS;
  }
  const { survivors } = settle(txns, SCENARIO, DETECTION, rng, ctx.labels);
  for (const t of survivors) ctx.emit(t);
}
