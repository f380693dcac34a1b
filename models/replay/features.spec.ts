import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFeatureCsv, DEFAULT_MAX_BAD_ROWS, describeReplay, parseMaxBadRows } from './features';
import { CSV_HEADER } from './replay';

describe('what npm run features and npm run train print about a replay', () => {
  const base = { transactions: 1_169_971, frauds: 6_412, labelsApplied: 6_530, labelsUnresolved: 17 };

  it('says how many labels applied and stayed unresolved, and how many rows were skipped', () => {
    expect(describeReplay({ ...base, skipped: { transactions: 0, labels: 0, first: [] } })).toEqual([
      '1,169,971 transactions replayed, 6,412 of them labelled fraud',
      'labels fed back to the features: 6,530 applied, 17 unresolved (no cardId, merchantId and occurredAt on the label, and its transaction not in the file before the report)',
      'bad rows skipped: 0 in the transactions, 0 in the labels',
    ]);
  });

  it('lists the first bad rows by file and line, and how many more there were', () => {
    const first = [1, 2, 3, 4, 5].map((i) => ({ path: 'transactions.jsonl', line: 129_590 + i, error: 'not valid JSON' }));
    const lines = describeReplay({ ...base, skipped: { transactions: 28, labels: 1, first } });
    expect(lines.slice(2)).toEqual([
      'bad rows skipped: 28 in the transactions, 1 in the labels',
      '  transactions.jsonl:129591: not valid JSON',
      '  transactions.jsonl:129592: not valid JSON',
      '  transactions.jsonl:129593: not valid JSON',
      '  transactions.jsonl:129594: not valid JSON',
      '  transactions.jsonl:129595: not valid JSON',
      '  and 24 more',
    ]);
  });
});

describe('--max-bad-rows', () => {
  it(`defaults to ${String(DEFAULT_MAX_BAD_ROWS)} and takes any whole number, 0 included`, () => {
    expect(parseMaxBadRows(undefined)).toBe(1000);
    expect(parseMaxBadRows('0')).toBe(0);
    expect(parseMaxBadRows('25000')).toBe(25_000);
  });

  it.each(['-1', '1.5', 'many', ''])('refuses %j', (text) => {
    expect(() => parseMaxBadRows(text)).toThrow(/--max-bad-rows wants a whole number/);
  });
});

describe('checking a feature CSV before training on it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'features-csv-'));
  const csv = (name: string, header: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${header.join(',')}\n${header.map(() => '0').join(',')}\n`);
    return path;
  };

  it('accepts a CSV written with the current header', async () => {
    await expect(checkFeatureCsv(csv('current.csv', CSV_HEADER))).resolves.toBeUndefined();
  });

  it('refuses one from an older feature set, naming the difference and how to rebuild it', async () => {
    const path = csv('older.csv', CSV_HEADER.slice(0, -1));
    await expect(checkFeatureCsv(path)).rejects.toThrow(
      `${path}: the header is not the current feature set (missing ${CSV_HEADER.at(-1) ?? ''}). The service computes today's features; rebuild the CSV with npm run features`,
    );
  });

  it('refuses an empty file and a missing one', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    await expect(checkFeatureCsv(empty)).rejects.toThrow('the file is empty');
    await expect(checkFeatureCsv(join(dir, 'nowhere.csv'))).rejects.toThrow(/nowhere\.csv does not exist/);
  });
});
