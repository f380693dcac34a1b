import { fraudLabelSchema, transactionSchema } from '../../src/transactions/transaction.schema';
import { defaultDriftFrom } from './drift';
import { DRIFT_SCENARIO, type SimLabel, type SimTransaction } from './events';
import { Simulation, type SimulationOptions } from './generate';
import { formatSummary } from './summary';

const DAY_MS = 86_400_000;
const BASE: SimulationOptions = { seed: 5, customers: 500, days: 40, start: Date.parse('2026-01-01T00:00:00Z') };
const DRIFT_FROM = defaultDriftFrom(BASE.start, BASE.days);

interface Run {
  readonly transactions: readonly SimTransaction[];
  readonly labels: readonly SimLabel[];
  readonly sim: Simulation;
}

function simulate(options: SimulationOptions): Run {
  const sim = new Simulation(options);
  const transactions = [...sim.days()].flatMap((batch) => batch.transactions);
  return { transactions, labels: sim.labels(), sim };
}

const ms = (iso: string) => Date.parse(iso);
const json = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x));

describe('the charity ring drift', () => {
  let plain: Run;
  let drift: Run;
  let ring: Set<string>;
  beforeAll(() => {
    plain = simulate(BASE);
    drift = simulate({ ...BASE, driftFrom: DRIFT_FROM });
    ring = new Set(drift.labels.filter((l) => l.scenario === DRIFT_SCENARIO).map((l) => l.transactionId));
  });

  it('starts 30 days before the end of the run by default', () => {
    expect(new Date(DRIFT_FROM).toISOString()).toBe('2026-01-11T00:00:00.000Z');
  });

  it('leaves every transaction and label before the drift start as it is without drift', () => {
    const before = (xs: readonly { occurredAt: string }[]) => xs.filter((x) => ms(x.occurredAt) < DRIFT_FROM);
    expect(before(plain.transactions).length).toBeGreaterThan(5_000);
    expect(json(before(drift.transactions))).toEqual(json(before(plain.transactions)));
    expect(json(before(drift.labels))).toEqual(json(before(plain.labels)));
  });

  it('only adds the ring: without its transactions and labels the drift run is the run without drift', () => {
    expect(ring.size).toBeGreaterThan(0);
    expect(json(drift.transactions.filter((t) => !ring.has(t.transactionId)))).toEqual(json(plain.transactions));
    expect(json(drift.labels.filter((l) => !ring.has(l.transactionId)))).toEqual(json(plain.labels));
    expect(new Set(drift.transactions.map((t) => t.transactionId)).size).toBe(drift.transactions.length);
  });

  it('makes small round donations at charities from the drift start on, online with no device, labelled charity_ring', () => {
    const donations = drift.transactions.filter((t) => ring.has(t.transactionId));
    expect(donations.length).toBe(ring.size);
    for (const tx of donations) {
      expect(transactionSchema.safeParse(tx).error).toBeUndefined();
      expect(ms(tx.occurredAt)).toBeGreaterThanOrEqual(DRIFT_FROM);
      expect([tx.merchantCategory, tx.channel, tx.deviceId, tx.location]).toEqual(['8398', 'ecommerce', undefined, undefined]);
      expect([5, 10, 15, 20, 25]).toContain(tx.amount);
    }
    for (const label of drift.labels.filter((l) => ring.has(l.transactionId))) expect(fraudLabelSchema.safeParse(label).error).toBeUndefined();
    // Every online payment without a device is the ring's, and labelled as such.
    expect(drift.transactions.filter((t) => t.channel === 'ecommerce' && t.deviceId === undefined && !ring.has(t.transactionId))).toEqual([]);
  });

  it('keeps each stolen card to 1-3 donations within two hours, once, on a card no planned fraud has had yet', () => {
    const byCard = Map.groupBy(
      drift.transactions.filter((t) => ring.has(t.transactionId)),
      (t) => t.cardId,
    );
    const planned = Map.groupBy(
      drift.labels.filter((l) => l.scenario !== DRIFT_SCENARIO),
      (l) => l.cardId,
    );
    for (const [card, txs] of byCard) {
      expect(txs.length).toBeLessThanOrEqual(3);
      const times = txs.map((t) => ms(t.occurredAt));
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(2 * 3_600_000);
      // The planner does not know the ring (so that it plans as without drift): it may pick a ring card later.
      for (const label of planned.get(card) ?? []) expect(ms(label.occurredAt)).toBeGreaterThan(Math.min(...times));
    }
    expect(drift.sim.scenarioCounts().find((s) => s.scenario === DRIFT_SCENARIO)?.incidents).toBe(byCard.size);
  });

  it('makes the ring about 0.3% of the drift days’ transactions', () => {
    const driftDays = drift.transactions.filter((t) => ms(t.occurredAt) >= DRIFT_FROM);
    const share = ring.size / driftDays.length;
    expect(share).toBeGreaterThan(0.0015);
    expect(share).toBeLessThan(0.006);
  });

  it('reports each donation after it happened, most by chargeback', () => {
    const days = drift.labels.filter((l) => ring.has(l.transactionId)).map((l) => (ms(l.reportedAt) - ms(l.occurredAt)) / DAY_MS);
    expect(Math.min(...days)).toBeGreaterThan(0);
    expect(Math.max(...days)).toBeLessThanOrEqual(61);
    expect(days.filter((d) => d >= 2 && d <= 31).length / days.length).toBeGreaterThan(0.5);
  });

  it('shows the ring in the summary of a drift run only', () => {
    const summary = (run: Run, driftFrom?: number) =>
      formatSummary({ transactions: run.transactions.length, byScenario: run.sim.scenarioCounts(), labels: run.labels, driftFrom });
    expect(summary(plain)).not.toContain(DRIFT_SCENARIO);
    const lines = summary(drift, DRIFT_FROM).split('\n');
    expect(lines).toContain('drift         charity_ring from 2026-01-11');
    const row = lines.find((l) => l.startsWith('charity_ring'))?.split(/\s+/);
    expect(row).toEqual([
      DRIFT_SCENARIO,
      String(ring.size),
      String(new Set(drift.transactions.filter((t) => ring.has(t.transactionId)).map((t) => t.cardId)).size),
    ]);
  });

  it('refuses a drift start outside the run or inside a day', () => {
    expect(() => new Simulation({ ...BASE, driftFrom: BASE.start - DAY_MS })).toThrow(RangeError);
    expect(() => new Simulation({ ...BASE, driftFrom: BASE.start + BASE.days * DAY_MS })).toThrow(RangeError);
    expect(() => new Simulation({ ...BASE, driftFrom: DRIFT_FROM + 3_600_000 })).toThrow(RangeError);
  });
});
