import { haversineKm } from '../../src/shared/geo';
import { findCardNumbers } from '../../src/transactions/card-number';
import { fraudLabelSchema, transactionSchema } from '../../src/transactions/transaction.schema';
import { SCENARIOS, type SimLabel, type SimTransaction } from './events';
import { Simulation, type SimulationOptions } from './generate';

const DAY_MS = 86_400_000;
// March: the run crosses the switch to summer time, which moves local rhythms by an hour.
const SMALL: SimulationOptions = { seed: 7, customers: 500, days: 30, start: Date.parse('2026-03-10T00:00:00Z') };

interface Run {
  readonly transactions: readonly SimTransaction[];
  readonly labels: readonly SimLabel[];
  readonly scenarioOf: ReadonlyMap<string, string>;
}

function simulate(options: SimulationOptions): Run {
  const sim = new Simulation(options);
  const transactions = [...sim.days()].flatMap((batch) => batch.transactions);
  const labels = sim.labels();
  return { transactions, labels, scenarioOf: new Map(labels.map((l) => [l.transactionId, l.scenario])) };
}

const ms = (iso: string) => Date.parse(iso);

/** Each located transaction with the card's previous located transaction, as the service sees them. */
function locatedPairs(transactions: readonly SimTransaction[]) {
  const previous = new Map<string, SimTransaction>();
  const pairs: { prev: SimTransaction; tx: SimTransaction; km: number; kmh: number }[] = [];
  for (const tx of transactions) {
    if (tx.location === undefined) continue;
    const prev = previous.get(tx.cardId);
    if (prev?.location !== undefined) {
      const km = haversineKm(prev.location.lat, prev.location.lon, tx.location.lat, tx.location.lon);
      const hours = (ms(tx.occurredAt) - ms(prev.occurredAt)) / 3_600_000;
      pairs.push({ prev, tx, km, kmh: hours > 0 ? km / hours : km > 0 ? Infinity : 0 });
    }
    previous.set(tx.cardId, tx);
  }
  return pairs;
}

describe('Simulation', () => {
  let run: Run;
  beforeAll(() => {
    run = simulate(SMALL);
  });

  it('gives byte-identical output for the same seed and options', () => {
    const again = simulate(SMALL);
    expect(JSON.stringify(again.transactions)).toBe(JSON.stringify(run.transactions));
    expect(JSON.stringify(again.labels)).toBe(JSON.stringify(run.labels));
  });

  it('gives different output for a different seed', () => {
    const other = simulate({ ...SMALL, seed: 8 });
    expect(other.transactions.slice(0, 100).map((t) => t.transactionId)).not.toEqual(run.transactions.slice(0, 100).map((t) => t.transactionId));
    expect(other.transactions.map((t) => t.amount)).not.toEqual(run.transactions.map((t) => t.amount));
  });

  it('writes transactions the service accepts, with the fields each channel carries', () => {
    expect(run.transactions.length).toBeGreaterThan(15_000);
    const problems = run.transactions.flatMap((tx) => {
      const located = tx.channel === 'card_present' || tx.channel === 'atm';
      const checks: Record<string, boolean> = {
        schema: transactionSchema.safeParse(tx).success,
        milliseconds: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(tx.occurredAt),
        cents: Math.round(tx.amount * 100) / 100 === tx.amount && tx.amount >= 0,
        ids: /^card-\d{6}$/.test(tx.cardId) && /^m-\d{5}$/.test(tx.merchantId) && /^c-\d{6}$/.test(tx.customerId) && /^tx-[0-9a-f]{16}$/.test(tx.transactionId),
        location: (tx.location !== undefined) === located,
        device: (tx.deviceId !== undefined) === (tx.channel === 'ecommerce'),
      };
      return Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([check]) => `${check}: ${JSON.stringify(tx)}`);
    });
    expect(problems).toEqual([]);
    expect(new Set(run.transactions.map((t) => t.transactionId)).size).toBe(run.transactions.length);
  });

  it('orders transactions by occurredAt and labels by reportedAt', () => {
    const times = run.transactions.map((t) => ms(t.occurredAt));
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0))).toBe(true);
    const reported = run.labels.map((l) => ms(l.reportedAt));
    expect(reported.every((t, i) => i === 0 || t >= (reported[i - 1] ?? 0))).toBe(true);
    expect(times[0]).toBeGreaterThanOrEqual(SMALL.start);
    expect(times[times.length - 1]).toBeLessThan(SMALL.start + SMALL.days * DAY_MS);
  });

  it('labels every fraudulent transaction once, with its card, merchant and time', () => {
    const byId = new Map(run.transactions.map((t) => [t.transactionId, t]));
    expect(new Set(run.labels.map((l) => l.transactionId)).size).toBe(run.labels.length);
    for (const label of run.labels) {
      expect(fraudLabelSchema.safeParse(label).error).toBeUndefined();
      const tx = byId.get(label.transactionId);
      expect(tx).toBeDefined();
      expect([label.cardId, label.merchantId, label.occurredAt]).toEqual([tx?.cardId, tx?.merchantId, tx?.occurredAt]);
      expect(label.fraud).toBe(true);
    }
  });

  it('keeps the fraud rate between 0.3% and 0.6% of transactions', () => {
    const rate = run.labels.length / run.transactions.length;
    expect(rate).toBeGreaterThanOrEqual(0.003);
    expect(rate).toBeLessThanOrEqual(0.006);
  });

  it('plays out every fraud scenario', () => {
    const seen = new Set(run.labels.map((l) => l.scenario));
    expect([...seen].sort()).toEqual([...SCENARIOS].sort());
  });

  it('never reports a label before its transaction, and spreads the delays from hours to weeks', () => {
    const days = run.labels.map((l) => (ms(l.reportedAt) - ms(l.occurredAt)) / DAY_MS);
    expect(Math.min(...days)).toBeGreaterThan(0);
    expect(Math.max(...days)).toBeLessThanOrEqual(61);
    const share = (keep: (d: number) => boolean) => days.filter(keep).length / days.length;
    expect(share((d) => d < 1)).toBeGreaterThan(0.05);
    expect(share((d) => d >= 2 && d <= 31)).toBeGreaterThan(0.5);
  });

  it("makes each stolen card's first far-away use imply over 900 km/h from its previous located transaction", () => {
    const stolen = locatedPairs(run.transactions).filter(({ tx }) => run.scenarioOf.get(tx.transactionId) === 'stolen_card_far');
    const firstPerCard = [...new Map(stolen.reverse().map((pair) => [pair.tx.cardId, pair])).values()];
    expect(firstPerCard.length).toBe(new Set(run.labels.filter((l) => l.scenario === 'stolen_card_far').map((l) => l.cardId)).size);
    for (const { prev, km, kmh } of firstPerCard) {
      expect(run.scenarioOf.has(prev.transactionId)).toBe(false);
      expect(km).toBeGreaterThan(700);
      expect(kmh).toBeGreaterThan(900);
    }
  });

  it('keeps legitimate moves between located transactions under 900 km/h, trips by plane included', () => {
    const legit = locatedPairs(run.transactions).filter(({ prev, tx }) => !run.scenarioOf.has(prev.transactionId) && !run.scenarioOf.has(tx.transactionId));
    expect(legit.filter(({ kmh }) => kmh > 900)).toEqual([]);
    // Trips really happen: legitimate cards also turn up hundreds of kilometres from home.
    expect(legit.filter(({ km }) => km > 500).length).toBeGreaterThan(20);
  });

  it('puts at least 5 card-testing transactions within 5 minutes on every tested card', () => {
    const testing = run.transactions.filter((t) => run.scenarioOf.get(t.transactionId) === 'card_testing');
    const cards = new Set(testing.map((t) => t.cardId));
    for (const card of cards) {
      const times = testing.filter((t) => t.cardId === card && t.amount <= 3).map((t) => ms(t.occurredAt));
      const densest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 5 * 60_000).length));
      expect(densest).toBeGreaterThanOrEqual(5);
    }
  });

  it('has legitimate zero-amount verifications: rare, online, each seconds before a purchase on the card at the same merchant', () => {
    const legit = run.transactions.filter((t) => t.amount === 0 && !run.scenarioOf.has(t.transactionId));
    expect(legit.length).toBeGreaterThan(20);
    expect(legit.length / run.transactions.length).toBeLessThan(0.005);
    expect(legit.every((t) => t.channel === 'ecommerce')).toBe(true);
    const byCard = Map.groupBy(run.transactions, (t) => t.cardId);
    const purchaseAfter = (v: SimTransaction) =>
      (byCard.get(v.cardId) ?? []).some(
        (t) => t.merchantId === v.merchantId && t.amount > 0 && ms(t.occurredAt) >= ms(v.occurredAt) && ms(t.occurredAt) - ms(v.occurredAt) <= 120_000,
      );
    expect(legit.filter((v) => !purchaseAfter(v))).toEqual([]);
  });

  it('has card-testing bots that probe with zero-amount verifications, and no other fraud at zero', () => {
    // Card testing is rare per customer: a larger run holds enough bursts to see both kinds.
    const larger = simulate({ ...SMALL, customers: 4_000 });
    const zero = larger.transactions.filter((t) => t.amount === 0 && larger.scenarioOf.has(t.transactionId));
    expect(zero.length).toBeGreaterThan(20);
    expect(zero.filter((t) => larger.scenarioOf.get(t.transactionId) !== 'card_testing')).toEqual([]);
    const probed = new Set(zero.map((t) => t.cardId));
    const tested = new Set(larger.transactions.filter((t) => larger.scenarioOf.get(t.transactionId) === 'card_testing').map((t) => t.cardId));
    expect(probed.size).toBeLessThan(tested.size);
  });

  it('gives account takeovers a device the card has never used and amounts several times the habit', () => {
    const devices = new Map<string, Set<string>>();
    const takeovers: { tx: SimTransaction; newDevice: boolean }[] = [];
    for (const tx of run.transactions) {
      if (tx.deviceId === undefined) continue;
      const seen = devices.get(tx.cardId) ?? new Set<string>();
      if (run.scenarioOf.get(tx.transactionId) === 'account_takeover') takeovers.push({ tx, newDevice: !seen.has(tx.deviceId) || seen.size === 0 });
      seen.add(tx.deviceId);
      devices.set(tx.cardId, seen);
    }
    expect(takeovers.length).toBeGreaterThan(0);
    // The first takeover transaction on a card always comes from a device new to it.
    const firstPerCard = [...new Map(takeovers.reverse().map((t) => [t.tx.cardId, t])).values()];
    expect(firstPerCard.every((t) => t.newDevice)).toBe(true);
    expect(takeovers.every((t) => t.tx.amount >= 100)).toBe(true);
  });

  it('never writes anything that looks like a card number', () => {
    const lines = [...run.transactions, ...run.labels].map((x) => JSON.stringify(x));
    expect(lines.filter((line) => /\d{13,19}/.test(line))).toEqual([]);
    expect([...run.transactions, ...run.labels].flatMap((x) => findCardNumbers(x))).toEqual([]);
  });
});
