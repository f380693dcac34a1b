/**
 * Card testing (BIN attacks, enumeration): a script tries many of the issuer's cards at one
 * small online merchant (a charity's donation page, a small web shop) in a burst, with 0.00
 * account-verification requests or a few cents, from rotating addresses, often at night. The
 * numbers that pass are sold or used within hours to days for larger purchases elsewhere.
 * Follows Visa's and Mastercard's merchant guidance on enumeration and card-testing attacks and
 * Europol's IOCTA description of card-testing bots.
 *
 * The issuer's fraud team sees about half the attacks (a spike of checks at one merchant) and
 * labels every tested card at once and reissues them; otherwise cardholders rarely dispute a
 * few cents, never a 0.00 check, but do dispute the purchases that follow.
 */
import { blockCard, cardAt } from './cards';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar';
import { fraudOnline, newRing, resaleEuros, riskyMerchant, RESALE_KINDS, ringAddress, type FraudContext, type FraudRing, type Typology } from './fraud-kit';
import { settle, statementDelay, type DetectionProfile } from './labels';
import { hostingAddress, ipv4In } from './network';
import { fromEuros } from './places';
import { Rng } from './rng';
import { newTxn, type Txn } from './txn';

const SCENARIO = 'card_testing';

const TESTS_ONLY: DetectionProfile = {
  issuerCatches: () => 0,
  reported: 0.15,
  reportDelay: statementDelay(14),
  filingDelay: (rng) => rng.uniform(0, 2) * DAY_MS,
  disputed: (t) => (t.amount === 0 ? 0 : t.amount < 200 ? 0.5 : 0.9),
  reissueDays: (rng) => rng.int(4, 8),
};

const WITH_PURCHASES: DetectionProfile = {
  issuerCatches: (t) => (t.amount >= 2000 ? 0.12 : 0),
  reported: 0.85,
  reportDelay: statementDelay(8),
  filingDelay: (rng) => rng.uniform(0, 2) * DAY_MS,
  disputed: (t) => (t.amount === 0 ? 0 : t.amount < 200 ? 0.3 : 0.95),
  reissueDays: (rng) => rng.int(4, 8),
};

export function cardTesting(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  const rings = [newRing(ctx, rng), newRing(ctx, rng)];
  let nextAttack = rng.int(0, 8);
  return {
    scenario: SCENARIO,
    startDay(day) {
      if (day < nextAttack) return;
      nextAttack = day + rng.int(6, 16);
      attack(ctx, day, rng, rng.pick(rings));
    },
  };
}

function attack(ctx: FraudContext, dayIndex: number, rng: Rng, ring: FraudRing): void {
  const day = ctx.days[dayIndex];
  if (!day) return;
  const merchants = [...ctx.world.merchants.onlineOf('charity'), ...ctx.world.merchants.onlineOf('webshop')];
  const merchant = rng.pick(merchants);
  const style = rng.pick(['zero', 'zero', 'cents', 'fixed'] as const);
  const fixed = fromEuros(rng.pick([0.5, 1, 1, 2, 5]), merchant.currency);
  const night = rng.chance(0.6);
  const start = day.midnight + (night ? rng.uniform(0, 4.5) : rng.uniform(0, 21)) * HOUR_MS;
  const duration = rng.uniform(15, 120) * MINUTE_MS;
  const addresses = Array.from({ length: rng.int(3, 40) }, () =>
    rng.chance(0.5) ? hostingAddress(rng).ip : ipv4In(rng.pick(['US', 'NL', 'DE', 'GB', 'RO']), rng),
  );
  const rotatingDevices = rng.chance(0.4);
  const customers = ctx.world.customers;
  const count = Math.max(3, Math.round(customers.length * rng.uniform(0.002, 0.009)));
  const spotted = rng.chance(0.5);
  const spottedAt = start + duration + rng.uniform(1, 18) * HOUR_MS;

  for (const customer of rng.sample(customers, count)) {
    const slot = rng.pick(customer.slots);
    const first = start + rng.uniform(0, duration);
    const card = cardAt(slot, first);
    if (!card) continue;
    const tests: Txn[] = [];
    const attempts = rng.weighted([1, 2, 3, 4], (n) => [0.6, 0.25, 0.1, 0.05][n - 1] ?? 0);
    let at = first;
    for (let i = 0; i < attempts; i += 1) {
      const amount = style === 'zero' ? 0 : style === 'cents' ? rng.int(1, 99) : fixed;
      const deviceId = rotatingDevices ? ctx.world.devices.create('laptop').id : undefined;
      tests.push(newTxn({ at, card, customer, merchant, amount, channel: 'ecommerce', deviceId, ip: rng.pick(addresses) }, SCENARIO));
      at += rng.uniform(3, 90) * 1000;
    }
    const purchases: Txn[] = [];
    if (rng.chance(0.22)) {
      const device = rng.pick(ring.devices);
      let when = at + rng.uniform(1, 96) * HOUR_MS;
      const n = rng.int(1, 3);
      for (let i = 0; i < n; i += 1) {
        const target = riskyMerchant(ctx, RESALE_KINDS, customer.home.country, rng);
        purchases.push(fraudOnline(card, target, when, resaleEuros(target.category, rng), device, ringAddress(ring, card, rng), SCENARIO));
        when += rng.uniform(5, 360) * MINUTE_MS;
      }
    }
    if (spotted) {
      // The fraud team labels everything on the card up to now and reissues it.
      const happened = [...tests, ...purchases].filter((t) => t.at <= spottedAt);
      for (const t of happened) ctx.labels.add(t, { fraud: true, reportedAt: spottedAt + rng.int(MINUTE_MS, 30 * MINUTE_MS), scenario: SCENARIO });
      blockCard(card, spottedAt, rng.int(4, 8));
      for (const t of happened) ctx.emit(t);
      continue;
    }
    const { survivors } = settle([...tests, ...purchases], SCENARIO, purchases.length > 0 ? WITH_PURCHASES : TESTS_ONLY, rng, ctx.labels);
    for (const t of survivors) ctx.emit(t);
  }
}
