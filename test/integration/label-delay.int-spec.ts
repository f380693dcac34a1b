import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { writeHistory } from '../../models/second-history/write';
import { Simulation } from '../../models/simulator/generate';
import { CSV_HEADER, replayFeatures } from '../../models/replay/replay';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { DAY } from '../support/builders';
import { testConfig } from '../support/config';

const START = Date.parse('2026-01-01T00:00:00Z');

/**
 * Chargebacks arrive days after the fraud. A feature that can only see labels younger than the
 * delay (frauds "in the last 7 days" by the fraud's own day, at a 7-day delay) is 0 in every
 * training row: the model learns nothing from it and a rule on it never fires. This replays
 * small histories of both generators with every label reported exactly 7 days after its
 * transaction (the protocol of the public dataset the service was tried on) and lists the
 * feature columns that never vary.
 */
describe('features under a 7-day label delay', () => {
  const redis = new Redis(testConfig().redis.url, { db: 4 });
  afterAll(() => {
    redis.disconnect();
  });

  /** The feature columns with a single value over the replay of `dir`'s history, labels re-timed to 7 days. */
  async function constantColumns(dir: string): Promise<string[]> {
    const labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { occurredAt: string; reportedAt: string })
      .map((l) => ({ ...l, reportedAt: new Date(Date.parse(l.occurredAt) + 7 * DAY).toISOString() }))
      .sort((a, b) => a.reportedAt.localeCompare(b.reportedAt));
    expect(labels.length).toBeGreaterThan(20);
    writeFileSync(join(dir, 'delayed-labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n'));
    await redis.flushdb();
    await replayFeatures({
      transactionsPath: join(dir, 'transactions.jsonl'),
      labelsPath: join(dir, 'delayed-labels.jsonl'),
      outPath: join(dir, 'f.csv'),
      redis,
      labelDelayDays: 7,
    });
    const [, ...lines] = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(10_000);
    const first = CSV_HEADER.length - FEATURE_NAMES.length;
    const distinct = FEATURE_NAMES.map(() => new Set<string>());
    for (const line of lines)
      line
        .split(',')
        .slice(first)
        .forEach((v, i) => distinct[i]?.add(v));
    return FEATURE_NAMES.filter((_, i) => (distinct[i]?.size ?? 0) < 2);
  }

  it('leaves no feature column constant on the second history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delay-second-'));
    await writeHistory({ seed: 5, customers: 400, days: 50, start: START }, dir, () => undefined);
    expect(await constantColumns(dir)).toEqual([]);
  }, 180_000);

  it('leaves no feature column constant on the simulator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delay-sim-'));
    const sim = new Simulation({ seed: 11, customers: 300, days: 50, start: START });
    writeFileSync(
      join(dir, 'transactions.jsonl'),
      [...sim.days()]
        .flatMap((day) => day.transactions)
        .map((tx) => JSON.stringify(tx))
        .join('\n'),
    );
    writeFileSync(
      join(dir, 'labels.jsonl'),
      sim
        .labels()
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    expect(await constantColumns(dir)).toEqual([]);
  }, 180_000);
});
