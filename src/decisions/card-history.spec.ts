import { decodeHistory, encodeHistory } from './card-history';

describe('card history entries', () => {
  it('give back the decision they were written from, to the score in thousandths', () => {
    const raw = encodeHistory(
      { amount: 129.95, currency: 'EUR' },
      { transactionId: 'tx|with|bars', decision: 'review', score: 0.61234, decidedAt: '2026-12-03T10:00:00.123Z' },
    );
    expect(decodeHistory(raw)).toEqual({
      transactionId: 'tx|with|bars',
      decidedAt: '2026-12-03T10:00:00.123Z',
      decision: 'review',
      score: 0.612,
      amount: 129.95,
      currency: 'EUR',
    });
  });

  it('keep a decision without a score as one without a score', () => {
    const raw = encodeHistory({ amount: 0, currency: 'USD' }, { transactionId: 't1', decision: 'deny', score: null, decidedAt: '2026-12-03T10:00:00.000Z' });
    expect(decodeHistory(raw)).toMatchObject({ decision: 'deny', score: null, amount: 0 });
  });

  it('refuse what they did not write rather than show it', () => {
    for (const raw of ['', 'x|a|1|2|EUR|t', '1|z|1|2|EUR|t', '1|a|1|2|euro|t', '1|a|1|2|EUR', '1|a|abc|2|EUR|t']) expect(decodeHistory(raw)).toBeNull();
  });
});
