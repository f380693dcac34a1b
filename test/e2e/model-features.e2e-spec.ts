import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { CSV_HEADER, replayFeatures } from '../../models/replay/replay';
import { LabelsService } from '../../src/labels/labels.service';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { readModelMetadata } from '../../src/model/model-metadata';
import { OnnxScorer } from '../../src/model/onnx-scorer';
import type { FraudLabel, Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction, at, DAY, HOUR, MINUTE } from '../support/builders';
import { testConfig } from '../support/config';

const MODEL = join(__dirname, '..', '..', 'models', 'current', 'model.onnx');
const T = '2026-10-01T08:00:00.000Z';

/** A small history with every kind of signal: trips, new devices, bursts, late labels. */
function history(): { txs: Transaction[]; labels: FraudLabel[] } {
  const cards = ['a', 'b', 'c'].map((c) => `skew-card-${c}-${aTransaction().cardId.slice(-6)}`);
  const merchants = ['m1', 'm2', 'm3'].map((m) => `skew-${m}-${aTransaction().merchantId.slice(-6)}`);
  const places = [
    { lat: 48.8566, lon: 2.3522 },
    { lat: 52.52, lon: 13.405 },
    { lat: 40.4168, lon: -3.7038 },
  ];
  const txs: Transaction[] = [];
  for (let i = 0; i < 90; i++) {
    const card = cards[i % 3] ?? '';
    txs.push(
      aTransaction({
        cardId: card,
        merchantId: merchants[(i * 7) % 3] ?? '',
        amount: 10 + ((i * 37) % 200) + (i === 80 ? 2000 : 0),
        occurredAt: at(T, i * 3 * HOUR + (i % 5 === 0 ? 20 * MINUTE : 0)),
        channel: i % 4 === 0 ? 'ecommerce' : 'card_present',
        merchantCategory: ['5411', '5812', '5732'][i % 3],
        ...(i % 4 === 0 ? { deviceId: `dev-${String(i % 6)}` } : { location: places[Math.floor(i / 3) % 3] }),
      }),
    );
  }
  // Three late arrivals: events that reach the service hours after later ones.
  for (const late of [txs.splice(50, 1)[0], txs.splice(30, 1)[0], txs.splice(20, 1)[0]]) if (late) txs.splice(55, 0, late);
  const fraud = (tx: Transaction | undefined, reportedAfter: number): FraudLabel => {
    if (!tx) throw new Error('no transaction to label');
    return { transactionId: tx.transactionId, fraud: true, reportedAt: at(tx.occurredAt, reportedAfter) };
  };
  const labels = [fraud(txs[10], 2 * DAY), fraud(txs[40], 12 * HOUR), fraud(txs[41], 9 * DAY)];
  labels.sort((x, y) => x.reportedAt.localeCompare(y.reportedAt));
  return { txs, labels };
}

describe('training rows and online features are the same numbers', () => {
  let app: NestFastifyApplication;
  const base = testConfig().redis.url;
  const replayRedis = new Redis(`${base}/1`);
  afterAll(async () => {
    replayRedis.disconnect();
    await app.close();
  });

  it('gives the model, online, exactly the row the replay wrote for each transaction', async () => {
    const { txs, labels } = history();
    const dir = mkdtempSync(join(tmpdir(), 'skew-'));
    writeFileSync(join(dir, 'tx.jsonl'), txs.map((tx) => JSON.stringify(tx)).join('\n'));
    writeFileSync(join(dir, 'labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n'));
    await replayRedis.flushdb();
    await replayFeatures({ transactionsPath: join(dir, 'tx.jsonl'), labelsPath: join(dir, 'labels.jsonl'), outPath: join(dir, 'f.csv'), redis: replayRedis });
    const [, ...lines] = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    const written = new Map(
      lines.map((line) => {
        const cells = line.split(',');
        return [cells[0] ?? '', cells.slice(CSV_HEADER.length - FEATURE_NAMES.length).map(Number)];
      }),
    );

    // The service, on a Redis database of its own, sees the same stream: each label once its
    // report time has passed, each transaction through POST /v1/decisions.
    const online = new Redis(`${base}/2`);
    await online.flushdb();
    online.disconnect();
    app = await startTestApp({ REDIS_URL: `${base}/2`, MODEL_PATH: MODEL });
    const scored: number[][] = [];
    const original = OnnxScorer.prototype.score;
    const spy = jest.spyOn(OnnxScorer.prototype, 'score').mockImplementation(function (this: OnnxScorer, rows) {
      scored.push(...rows.map((r) => [...r]));
      return original.call(this, rows);
    });
    const labelsService = app.get(LabelsService);
    let next = 0;
    for (const tx of txs) {
      const due: FraudLabel[] = [];
      while (next < labels.length && (labels[next]?.reportedAt ?? '') <= tx.occurredAt) due.push(labels[next++]!);
      if (due.length > 0) expect(await labelsService.apply(due)).toEqual(due.map(() => 'applied'));
      const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: tx });
      expect(res.statusCode).toBe(200);
    }
    spy.mockRestore();

    expect(scored).toHaveLength(txs.length);
    // The replay writes every catalogue feature; the model reads those its metadata lists.
    const modelColumns = readModelMetadata(MODEL).featureNames.map((name) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]));
    expect(modelColumns.every((i) => i >= 0)).toBe(true);
    txs.forEach((tx, i) => {
      const row = written.get(tx.transactionId);
      expect({ transactionId: tx.transactionId, row: scored[i] }).toEqual({ transactionId: tx.transactionId, row: modelColumns.map((c) => row?.[c]) });
    });
    // The history exercises the interesting features, not just zeros.
    const column = (name: (typeof FEATURE_NAMES)[number]) => [...written.values()].map((row) => row[FEATURE_NAMES.indexOf(name)] ?? 0);
    expect(Math.max(...column('card_frauds_30d'))).toBeGreaterThan(0);
    expect(Math.max(...column('km_from_prev'))).toBeGreaterThan(100);
    expect(column('device_seen')).toContain(0);
    expect(column('amount_to_avg_30d').some((x) => x > 3)).toBe(true);
  });
});
