import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    writeFileSync(
      join(dir, 'labels.jsonl'),
      JSON.stringify({ transactionId: fraud.transactionId, fraud: true, reportedAt: at(T, 5 * DAY), scenario: 'amount_spike' }),
    );

    const summary = await replayFeatures({
      transactionsPath: join(dir, 'tx.jsonl'),
      labelsPath: join(dir, 'labels.jsonl'),
      outPath: join(dir, 'f.csv'),
      redis,
    });
    expect(summary).toEqual({ transactions: 3, frauds: 1, labelsApplied: 1, labelsUnresolved: 0, skipped: { transactions: 0, labels: 0, first: [] } });

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
    await expect(
      replayFeatures({ transactionsPath: join(dir, 'tx.jsonl'), labelsPath: join(dir, 'labels.jsonl'), outPath: join(dir, 'f.csv'), redis }),
    ).rejects.toThrow(/tx\.jsonl:2: amount/);
  });

  it('skips and counts rows of either file that are not JSON or break the contract, listing where, and replays the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const { cardId } = aTransaction();
    // Amounts a float32 holds exactly: the CSV has the float32 values the model sees.
    const fraud = aTransaction({ cardId, occurredAt: T, amount: 40.5 });
    const verification = aTransaction({ cardId, occurredAt: at(T, DAY), amount: 0 });
    const later = aTransaction({ cardId, occurredAt: at(T, 4 * DAY), amount: 12.25 });
    writeFileSync(
      join(dir, 'tx.jsonl'),
      [
        JSON.stringify(fraud),
        '{"transactionId": "cut-off',
        JSON.stringify({ ...aTransaction({ cardId, occurredAt: at(T, DAY / 2) }), amount: -2 }),
        JSON.stringify(verification),
        JSON.stringify(later),
      ].join('\n'),
    );
    // A label from another source: a numeric scenario and extra fields of its own.
    writeFileSync(
      join(dir, 'labels.jsonl'),
      [
        JSON.stringify({ transactionId: fraud.transactionId, fraud: true, reportedAt: at(T, 2 * DAY), scenario: 3, caseId: 88123, tags: ['cnp'] }),
        JSON.stringify({ transactionId: later.transactionId, fraud: 'yes', reportedAt: at(T, 5 * DAY) }),
      ].join('\n'),
    );

    const summary = await replayFeatures({
      transactionsPath: join(dir, 'tx.jsonl'),
      labelsPath: join(dir, 'labels.jsonl'),
      outPath: join(dir, 'f.csv'),
      redis,
      maxBadRows: 3,
    });
    expect(summary).toEqual({
      transactions: 3,
      frauds: 1,
      labelsApplied: 1,
      labelsUnresolved: 0,
      skipped: {
        transactions: 2,
        labels: 1,
        first: [
          { path: join(dir, 'labels.jsonl'), line: 2, error: 'fraud: Invalid input: expected boolean, received string' },
          { path: join(dir, 'tx.jsonl'), line: 2, error: 'not valid JSON' },
          { path: join(dir, 'tx.jsonl'), line: 3, error: 'amount: Too small: expected number to be >=0' },
        ],
      },
    });

    const [, ...lines] = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    const rows = lines.map((line): Record<string, string> => Object.fromEntries(line.split(',').map((v, i) => [CSV_HEADER[i] ?? '', v])));
    expect(rows.map((r) => [r.transactionId, r.label, r.scenario, r.amount])).toEqual([
      [fraud.transactionId, '1', 'unknown', '40.5'],
      [verification.transactionId, '0', '', '0'],
      [later.transactionId, '0', '', '12.25'],
    ]);
    // The zero-amount verification counts in the card's history; the skipped row does not.
    expect(rows.map((r) => r.card_count_30d)).toEqual(['0', '1', '2']);
    // The label with the numeric scenario was applied: the row after its report sees the fraud.
    expect(rows.map((r) => r.card_frauds_30d)).toEqual(['0', '0', '1']);
  });

  it('stops once the bad rows pass --max-bad-rows, saying how many and where, and leaves no feature CSV behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    writeFileSync(
      join(dir, 'tx.jsonl'),
      [JSON.stringify(aTransaction()), 'not json', JSON.stringify({ ...aTransaction(), currency: 'euro' }), JSON.stringify(aTransaction())].join('\n'),
    );
    writeFileSync(join(dir, 'labels.jsonl'), '');
    const outPath = join(dir, 'f.csv');
    await expect(
      replayFeatures({ transactionsPath: join(dir, 'tx.jsonl'), labelsPath: join(dir, 'labels.jsonl'), outPath, redis, maxBadRows: 1 }),
    ).rejects.toThrow(
      `stopped at 2 bad rows, over the limit of 1 (--max-bad-rows): 0 in the labels, 2 in the transactions. The first: ${join(dir, 'tx.jsonl')}:2: not valid JSON | ${join(dir, 'tx.jsonl')}:3: currency:`,
    );
    expect(existsSync(outPath)).toBe(false);
    expect(existsSync(`${outPath}.partial`)).toBe(false);
  });
});
