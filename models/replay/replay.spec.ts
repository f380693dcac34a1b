import { BadRows, CSV_HEADER, featureHeaderProblem, labelLineSchema, LISTED_BAD_ROWS } from './replay';

const label = { transactionId: 'tx-1', fraud: true, reportedAt: '2026-11-25T10:00:00Z' };

describe('reading a label line', () => {
  it('ignores extra fields of any type', () => {
    const parsed = labelLineSchema.safeParse({ ...label, amount: 12.5, flags: [1, 2], source: { system: 'chargebacks' }, note: null });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(label);
  });

  it('reads a string scenario', () => {
    expect(labelLineSchema.parse({ ...label, scenario: 'card_testing' }).scenario).toBe('card_testing');
  });

  it.each([
    ['a number', 3],
    ['a boolean', true],
    ['null', null],
    ['an object', { kind: 'ato' }],
    ['an empty string', ''],
  ])('treats a scenario that is %s as absent instead of refusing the label', (_, scenario) => {
    const parsed = labelLineSchema.safeParse({ ...label, scenario });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.scenario).toBeUndefined();
    expect(parsed.data).toMatchObject(label);
  });

  it('still refuses a label that breaks the contract', () => {
    expect(labelLineSchema.safeParse({ ...label, fraud: 'yes', scenario: 7 }).error?.issues.map((i) => i.path.join('.'))).toEqual(['fraud']);
  });
});

describe('the bad-row limit', () => {
  const row = (line: number) => ({ path: 'tx.jsonl', line, error: 'not valid JSON' });

  it('skips up to the limit across both files, counting each and listing the first few', () => {
    const bad = new BadRows(8);
    bad.add('labels', { path: 'labels.jsonl', line: 4, error: 'fraud: Invalid input' });
    for (let line = 1; line <= 7; line++) bad.add('transactions', row(line * 10));
    const summary = bad.summary();
    expect(summary.transactions).toBe(7);
    expect(summary.labels).toBe(1);
    expect(summary.first).toHaveLength(LISTED_BAD_ROWS);
    expect(summary.first.map((r) => `${r.path}:${String(r.line)}`)).toEqual(['labels.jsonl:4', 'tx.jsonl:10', 'tx.jsonl:20', 'tx.jsonl:30', 'tx.jsonl:40']);
  });

  it('stops one row past the limit with the counts, the limit and the first bad rows', () => {
    const bad = new BadRows(2);
    bad.add('transactions', row(3));
    bad.add('labels', { path: 'labels.jsonl', line: 9, error: 'reportedAt: Invalid input' });
    expect(() => {
      bad.add('transactions', row(5));
    }).toThrow(
      'stopped at 3 bad rows, over the limit of 2 (--max-bad-rows): 1 in the labels, 2 in the transactions. The first: tx.jsonl:3: not valid JSON | labels.jsonl:9: reportedAt: Invalid input | tx.jsonl:5: not valid JSON',
    );
  });

  it('with a limit of 0 stops at the first bad row, naming its file and line', () => {
    expect(() => {
      new BadRows(0).add('transactions', { path: 'tx.jsonl', line: 2, error: 'amount: Too small: expected number to be >=0' });
    }).toThrow(/^tx\.jsonl:2: amount: Too small/);
  });
});

describe('checking an earlier feature CSV against the current features', () => {
  it('accepts exactly the current header', () => {
    expect(featureHeaderProblem([...CSV_HEADER])).toBeNull();
  });

  it('names the columns missing from an older CSV and the ones no longer computed', () => {
    const older = CSV_HEADER.filter((name) => name !== 'merchant_frauds_30d').concat('merchant_frauds_90d');
    expect(featureHeaderProblem(older)).toBe('missing merchant_frauds_30d; not a current column: merchant_frauds_90d');
  });

  it('refuses the current columns in another order', () => {
    const swapped = [...CSV_HEADER];
    [swapped[5], swapped[6]] = [swapped[6] ?? '', swapped[5] ?? ''];
    expect(featureHeaderProblem(swapped)).toBe('the columns are in another order (or repeated)');
  });
});
