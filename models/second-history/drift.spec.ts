import { HOUR_MS, DAY_MS, localHour } from './calendar';
import { SecondHistory, type HistoryOptions } from './history';
import { parseOptions } from './options';
import { labelLine, transactionLine } from './output';
import { currencyOf } from './places';
import { formatSummary, summarise } from './summary';
import { DRIFT_SCENARIO, type Txn } from './txn';

const start = Date.parse('2026-01-01T00:00:00Z');
const world: HistoryOptions = { seed: 4, customers: 1_500, days: 24, start };
const from = start + 12 * DAY_MS;

interface Run {
  readonly history: SecondHistory;
  readonly transactions: readonly Txn[];
  readonly lines: readonly string[];
  readonly labels: readonly string[];
}

function run(options: HistoryOptions): Run {
  const history = new SecondHistory(options);
  const transactions: Txn[] = [];
  for (const batch of history.run()) transactions.push(...batch.transactions);
  return { history, transactions, lines: transactions.map(transactionLine), labels: history.labels().map(labelLine) };
}

describe('the new_merchant_ring drift scenario', () => {
  let plain: Run;
  let drifted: Run;
  let newMerchants: ReadonlySet<string>;
  let ring: Txn[];

  beforeAll(() => {
    plain = run(world);
    drifted = run({ ...world, drift: { from } });
    newMerchants = new Set(drifted.history.driftReport()?.merchants);
    ring = drifted.transactions.filter((t) => t.truth === DRIFT_SCENARIO);
  });

  const isDrift = (line: string): boolean => [...newMerchants].some((id) => line.includes(`"merchantId":"${id}"`));

  it('leaves every transaction and label before the drift start exactly as in the run without drift', () => {
    const before = (lines: readonly string[], at: (line: string) => number): string[] => lines.filter((line) => at(line) < from);
    const occurred = (line: string): number => Date.parse(/"occurredAt":"([^"]+)"/.exec(line)?.[1] ?? '');
    const reported = (line: string): number => Date.parse(/"reportedAt":"([^"]+)"/.exec(line)?.[1] ?? '');
    expect(plain.lines.length).toBeGreaterThan(10_000);
    expect(before(drifted.lines, occurred)).toEqual(before(plain.lines, occurred));
    expect(before(drifted.labels, reported)).toEqual(before(plain.labels, reported));
  });

  it('only adds: without its own transactions and their labels, the drift run is the run without drift, ids included', () => {
    expect(drifted.lines.length).toBeGreaterThan(plain.lines.length);
    expect(drifted.lines.filter((line) => !isDrift(line))).toEqual(plain.lines);
    expect(drifted.labels.filter((line) => !isDrift(line))).toEqual(plain.labels);
  });

  it('puts the ring at new online merchants of one MCC, only from the drift start, with small payments at ordinary hours', () => {
    expect(ring.length).toBeGreaterThan(0);
    expect([...newMerchants].filter((id) => drifted.history.world.merchants.all.some((m) => m.id === id))).toEqual([]);
    const wrong = ring.filter((t) => {
      const euros = t.amount / 100 / currencyOf(t.merchant.currency).perEuro;
      const hour = localHour(t.customer.home.tz, t.at);
      return (
        t.at < from ||
        !newMerchants.has(t.merchant.id) ||
        t.merchant.mcc !== '5818' ||
        t.channel !== 'ecommerce' ||
        euros < 3 ||
        euros > 30 ||
        hour < 9 ||
        hour >= 23
      );
    });
    expect(wrong).toEqual([]);
    expect(drifted.transactions.filter((t) => newMerchants.has(t.merchant.id) && t.at < from)).toEqual([]);
  });

  it('uses each card one to three times within hours, each from a device no other card uses', () => {
    const byCard = Map.groupBy(ring, (t) => t.card);
    const spans = [...byCard.values()].map((txns) => ({ count: txns.length, hours: ((txns.at(-1)?.at ?? 0) - (txns[0]?.at ?? 0)) / HOUR_MS }));
    expect(spans.filter((s) => s.count > 3 || s.hours > 6)).toEqual([]);
    const cardsPerDevice = Map.groupBy(ring, (t) => t.deviceId);
    expect([...cardsPerDevice.values()].filter((txns) => new Set(txns.map((t) => t.card)).size > 1)).toEqual([]);
  });

  it('makes the ring 0.15-0.4% of the transactions from the drift start on, with a little honest business at the same merchants', () => {
    const since = drifted.transactions.filter((t) => t.at >= from).length;
    expect(ring.length / since).toBeGreaterThanOrEqual(0.0015);
    expect(ring.length / since).toBeLessThanOrEqual(0.004);
    const honest = drifted.transactions.filter((t) => newMerchants.has(t.merchant.id) && t.truth === undefined);
    expect(honest.length).toBeGreaterThan(0);
    expect(honest.length).toBeLessThan(ring.length);
  });

  it('labels the ring new_merchant_ring, some never, and never labels its honest customers', () => {
    const labels = drifted.history.labels().filter((l) => newMerchants.has(l.merchantId));
    const ringIds = new Set(ring.map((t) => t.id));
    expect(labels.filter((l) => !ringIds.has(l.transactionId) || !l.fraud || l.scenario !== DRIFT_SCENARIO)).toEqual([]);
    const labelled = new Set(labels.map((l) => l.transactionId));
    expect(labelled.size).toBeGreaterThan(ring.length / 4);
    expect(labelled.size).toBeLessThan(ring.length);
  });

  it('reports the drift in the summary only when it ran', () => {
    const summary = ({ history }: Run): string =>
      formatSummary(summarise(history.transactionCount, 0, history.frauds(), history.labels(), start + world.days * DAY_MS, history.driftReport()));
    expect(summary(plain)).not.toContain(DRIFT_SCENARIO);
    expect(summary(drifted)).toMatch(/^new_merchant_ring +\d+/m);
    expect(summary(drifted)).toContain(`drift new_merchant_ring from 2026-01-13: ${String(ring.length)} payments`);
  });
});

describe('parseOptions', () => {
  const message = (args: readonly string[]): string => {
    const parsed = parseOptions(args);
    return parsed.ok ? '' : parsed.error;
  };
  const history = (args: readonly string[]) => {
    const parsed = parseOptions(args);
    return parsed.ok ? parsed.options.history : null;
  };

  it('starts the drift 30 days before the end by default: 2026-04-01 for the default 120 days from 2026-01-01', () => {
    expect(history(['--out', 'x', '--drift'])?.drift).toEqual({ from: Date.parse('2026-04-01T00:00:00Z') });
    expect(history(['--out', 'x', '--drift', '--drift-from', '2026-02-10'])?.drift).toEqual({ from: Date.parse('2026-02-10T00:00:00Z') });
  });

  it('has no drift without --drift', () => {
    expect(history(['--out', 'x'])).toEqual({ seed: 7, customers: 10_000, days: 120, start: Date.parse('2026-01-01T00:00:00Z') });
  });

  it('refuses a drift start outside the generated period', () => {
    expect(message(['--out', 'x', '--drift', '--drift-from', '2025-12-31'])).toContain(
      '--drift-from 2025-12-31 is outside the generated period 2026-01-01 to 2026-04-30',
    );
    expect(message(['--out', 'x', '--drift', '--drift-from', '2026-05-01'])).toContain('outside the generated period');
    expect(message(['--out', 'x', '--days', '20', '--drift'])).toContain('the default drift start (30 days before the end), 2025-12-22, is outside');
  });

  it('refuses --drift-from without --drift, and a date that is not one', () => {
    expect(message(['--out', 'x', '--drift-from', '2026-02-10'])).toContain('--drift-from needs --drift');
    expect(parseOptions(['--out', 'x', '--drift', '--drift-from', '2026-02-30']).ok).toBe(false);
    expect(message(['--out', 'x', '--drfit'])).toContain('drfit');
  });

  it('refuses a drift start outside the period when the history is built directly too', () => {
    expect(() => new SecondHistory({ ...world, drift: { from: start - DAY_MS } })).toThrow('outside the generated period');
  });
});
