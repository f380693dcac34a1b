import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CSV_HEADER, replayFeatures } from '../../models/replay/replay';
import { aTransaction, at, DAY } from '../support/builders';
import { testConfig } from '../support/config';

const T = '2026-11-01T12:00:00.000Z';

describe('the feature replay that builds training data', () => {
  const redis = new Redis(testConfig().redis.url);
  afterAll(() => {
    redis.disconnect();
  });

  it('feeds a label back only once it was reported, so no row sees its future', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const { cardId } = aTransaction();
    const fraud = aTransaction({ cardId, occurredAt: T, amount: 900 });
    const beforeReport = aTransaction({ cardId, occurredAt: at(T, 3 * DAY) });
    const afterReport = aTransaction({ cardId, occurredAt: at(T, 6 * DAY) });
    writeFileSync(join(dir, 'tx.jsonl'), [fraud, beforeReport, afterReport].map((tx) => JSON.stringify(tx)).join('\n'));
    // The label names only the transaction (the replay knows the rest) and carries a scenario.
    writeFileSync(join(dir, 'labels.jsonl'), JSON.stringify({ transactionId: fraud.transactionId, fraud: true, reportedAt: at(T, 5 * DAY), scenario: 'amount_spike' }));

    const summary = await replayFeatures({ transactionsPath: join(dir, 'tx.jsonl'), labelsPath: join(dir, 'labels.jsonl'), outPath: join(dir, 'f.csv'), redis });
    expect(summary).toEqual({ transactions: 3, frauds: 1, labelsApplied: 1, labelsUnresolved: 0 });

    const [header, ...lines] = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    expect(header).toBe(CSV_HEADER.join(','));
    const rows = lines.map((line): Record<string, string> => Object.fromEntries(line.split(',').map((v, i) => [CSV_HEADER[i] ?? '', v])));
    expect(rows.map((r) => [r.transactionId, r.label, r.scenario])).toEqual([
      [fraud.transactionId, '1', 'amount_spike'],
      [beforeReport.transactionId, '0', ''],
      [afterReport.transactionId, '0', ''],
    ]);
    expect(rows.map((r) => r.card_frauds_30d)).toEqual(['0', '0', '1']);
    expect(rows.map((r) => r.card_count_30d)).toEqual(['0', '1', '2']);
  });

  it('names the file and line of a transaction that breaks the contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    writeFileSync(join(dir, 'tx.jsonl'), `${JSON.stringify(aTransaction())}\n${JSON.stringify({ ...aTransaction(), amount: -3 })}\n`);
    writeFileSync(join(dir, 'labels.jsonl'), '');
    await expect(replayFeatures({ transactionsPath: join(dir, 'tx.jsonl'), labelsPath: join(dir, 'labels.jsonl'), outPath: join(dir, 'f.csv'), redis })).rejects.toThrow(/tx\.jsonl:2: amount/);
  });
});
