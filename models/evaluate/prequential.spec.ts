import { parseConfig } from '../../src/config/config';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { DEFAULT_FTRL } from '../../src/online/ftrl';
import { DEFAULT_ONLINE_SETTINGS, Prequential, type OnlineSettings } from './prequential';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A catalogue row: a small ordinary payment, or (ring) one at MCC 8398 that the base model does not see as risky. */
function row(ring: boolean): number[] {
  const r = FEATURE_NAMES.map(() => 0);
  r[FEATURE_NAMES.indexOf('amount')] = ring ? 10 : 40;
  r[FEATURE_NAMES.indexOf('merchant_category')] = ring ? 8398 : 5411;
  r[FEATURE_NAMES.indexOf('channel')] = ring ? 1 : 0;
  return r;
}

const settings = (changes: Partial<OnlineSettings> = {}): OnlineSettings => ({
  ...DEFAULT_ONLINE_SETTINGS,
  sampleRate: 1,
  warmupLabels: 20,
  maturityDays: 2,
  rowTtlDays: 10,
  ...changes,
});

/** Ten days of 200 transactions a day, 1 in 20 from the ring; each ring payment reported a day later. */
function run(learner: Prequential): { ringAfter: number; plainAfter: number } {
  const base = 0.01;
  const pending: { transactionId: string; fraud: boolean; at: number }[] = [];
  for (let day = 0; day < 10; day++) {
    for (let i = 0; i < 200; i++) {
      const at = T0 + day * DAY + i * (DAY / 200);
      const due = pending.filter((l) => l.at <= at);
      if (due.length > 0) learner.release(due, at);
      pending.splice(0, due.length);
      if (i % 50 === 0) learner.mature(at);
      const ring = i % 20 === 0;
      const id = `tx-${String(day)}-${String(i)}`;
      learner.keep(id, learner.score(row(ring), base), at, false);
      if (ring) pending.push({ transactionId: id, fraud: true, at: at + DAY });
    }
  }
  return { ringAfter: learner.score(row(true), base).residual, plainAfter: learner.score(row(false), base).residual };
}

describe('the prequential online learner', () => {
  it("runs with the service's defaults, so an evaluation without --online-settings measures what the service would do", () => {
    const online = parseConfig({}).online;
    expect(DEFAULT_ONLINE_SETTINGS).toEqual({
      params: DEFAULT_FTRL,
      maxStep: online.maxStep,
      sampleRate: online.sampleRate,
      maturityDays: online.maturityDays,
      rowTtlDays: online.rowTtlDays,
      warmupLabels: online.warmupLabels,
      blendWeight: online.weight,
      live: online.combination,
    });
  });

  it('scores exactly the base model until it has learnt enough of both classes', () => {
    const learner = new Prequential(settings());
    const first = learner.score(row(true), 0.01);
    expect(first.residual).toBe(0.01);
    expect(first.blend).toBe(0.01);
    expect(learner.warm).toBe(false);
  });

  it('learns a pattern the base model misses: ring payments score far above the base, ordinary ones stay near it', () => {
    const learner = new Prequential(settings());
    const { ringAfter, plainAfter } = run(learner);
    expect(learner.warm).toBe(true);
    expect(ringAfter).toBeGreaterThan(0.1);
    expect(plainAfter).toBeLessThan(0.02);
    expect(learner.stats.matured).toBeGreaterThan(1000);
    expect(learner.stats.noRow).toBe(0);
  });

  it('changes nothing for a redelivered label, and counts a label whose row was never kept', () => {
    const learner = new Prequential(settings());
    const scored = learner.score(row(true), 0.01);
    learner.keep('tx-a', scored, T0, true);
    learner.release([{ transactionId: 'tx-a', fraud: true }], T0 + 1000);
    const after = learner.score(row(true), 0.01).online;
    learner.release(
      [
        { transactionId: 'tx-a', fraud: true },
        { transactionId: 'tx-unknown', fraud: true },
      ],
      T0 + 2000,
    );
    expect(learner.score(row(true), 0.01).online).toBe(after);
    expect(learner.stats).toMatchObject({ labels: 3, learnt: 1, unchanged: 1, noRow: 1 });
  });

  it('learns unlabelled rows as legitimate only once they are maturityDays old, and forgets rows after rowTtlDays', () => {
    const learner = new Prequential(settings({ maturityDays: 2, rowTtlDays: 3 }));
    learner.keep('tx-a', learner.score(row(false), 0.01), T0, true);
    learner.mature(T0 + 2 * DAY - 1);
    expect(learner.stats.matured).toBe(0);
    learner.mature(T0 + 2 * DAY);
    expect(learner.stats.matured).toBe(1);
    learner.release([{ transactionId: 'tx-a', fraud: true }], T0 + 3 * DAY);
    expect(learner.stats.noRow).toBe(1);
  });

  it('keeps approved rows at the sample rate only, flagged ones always', () => {
    const learner = new Prequential(settings({ sampleRate: 0.1 }));
    for (let i = 0; i < 5000; i++) learner.keep(`tx-${String(i)}`, learner.score(row(false), 0.01), T0 + i, i < 100);
    // 100 flagged + about 490 of the other 4,900 (3 sd of the binomial is about 63).
    expect(learner.stats.rowsKept).toBeGreaterThan(100 + 420);
    expect(learner.stats.rowsKept).toBeLessThan(100 + 560);
  });
});
