import { batchCounts, dayOf, minuteOf, summarise, verdictCounts } from './overview';

describe('the console overview', () => {
  it('counts a batch by outcome, and each rule once per decision that hit it', () => {
    const { outcomes, hits } = batchCounts([
      { decision: 'review', ruleHits: ['amount-ceiling', 'amount-ceiling'] },
      { decision: 'approve', ruleHits: [] },
      { decision: 'deny', ruleHits: ['amount-ceiling', 'card-velocity'] },
    ]);
    expect(Object.fromEntries(outcomes)).toEqual({ review: 1, approve: 1, deny: 1 });
    expect(Object.fromEntries(hits)).toEqual({ 'hits:amount-ceiling': 2, 'hits:card-velocity': 1 });
  });

  it('credits a fraud or legitimate verdict to every rule the decision hit, and an inconclusive one to none', () => {
    expect(Object.fromEntries(verdictCounts('fraud', ['a', 'b', 'a']))).toEqual({ 'fraud:a': 1, 'fraud:b': 1 });
    expect(verdictCounts('inconclusive', ['a']).size).toBe(0);
  });

  it('sums the days, ranks rules by hits and gives the precision of their verdicts (none before the first)', () => {
    const now = Date.parse('2026-12-03T10:30:20Z');
    const view = summarise(
      now,
      [{ minute: minuteOf(now), hash: { approve: '40', review: '2', junk: 'x' } }],
      [
        { 'hits:a': '10', 'fraud:a': '3', 'legitimate:a': '1', 'hits:b': '30' },
        { 'hits:a': '5', 'legitimate:a': '4', other: '7' },
      ],
      { open: 2, oldestOpenedAt: null },
      1,
    );
    expect(view.minutes).toEqual([{ minute: '2026-12-03T10:30', approve: 40, deny: 0, review: 2 }]);
    expect(view.rules).toEqual([{ rule: 'b', hits: 30, fraud: 0, legitimate: 0, precision: null }]);
    const both = summarise(now, [], [{ 'hits:a': '10', 'fraud:a': '3', 'legitimate:a': '1' }, { 'legitimate:a': '4' }], { open: 0, oldestOpenedAt: null });
    expect(both.rules).toEqual([{ rule: 'a', hits: 10, fraud: 3, legitimate: 5, precision: 3 / 8 }]);
    expect(both.days).toBe(2);
    expect(dayOf(now)).toBe('2026-12-03');
  });
});
