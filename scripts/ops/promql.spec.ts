import { alertQueries, stripThreshold } from './promql';

describe('stripThreshold', () => {
  it('takes a trailing comparison against a number off', () => {
    expect(stripThreshold('fraud:decision_latency_seconds:p99_5m > 0.05')).toBe('fraud:decision_latency_seconds:p99_5m');
    expect(stripThreshold('max by (job, instance) (fraud_state_lost) == 1')).toBe('max by (job, instance) (fraud_state_lost)');
    expect(stripThreshold('x < bool 1e-3')).toBe('x');
    expect(stripThreshold('x >= -1')).toBe('x');
  });

  it('keeps the arithmetic on the left of the comparison whole', () => {
    expect(stripThreshold('sum(rate(a[5m])) / (sum(rate(a[5m])) + sum(rate(b[5m]))) > 0.01')).toBe('sum(rate(a[5m])) / (sum(rate(a[5m])) + sum(rate(b[5m])))');
  });

  it('leaves comparisons inside parentheses, braces and strings alone', () => {
    expect(stripThreshold('(max(a) or on (job) (0 * group(b))) < 1')).toBe('(max(a) or on (job) (0 * group(b)))');
    expect(stripThreshold('count(x > 1)')).toBe('count(x > 1)');
    expect(stripThreshold('x{code!="a>b",le=~"0.0[0-9]"}')).toBe('x{code!="a>b",le=~"0.0[0-9]"}');
  });

  it('keeps a comparison between two vectors, which is not a threshold', () => {
    expect(stripThreshold('a > b')).toBe('a > b');
    expect(stripThreshold('a > 0.5 * b')).toBe('a > 0.5 * b');
  });
});

describe('alertQueries', () => {
  it('queries each side of a top-level and / unless / or without its threshold', () => {
    expect(alertQueries('fraud_consumer_lag_messages > 10000 and deriv(fraud_consumer_lag_messages[10m]) > 0')).toEqual([
      'fraud_consumer_lag_messages',
      'deriv(fraud_consumer_lag_messages[10m])',
    ]);
    expect(alertQueries('sum by (job) (increase(a[12h])) == 0 and on (job) sum by (job) (increase(b[12h])) > 1000')).toEqual([
      'sum by (job) (increase(a[12h]))',
      'sum by (job) (increase(b[12h]))',
    ]);
    expect(alertQueries('a unless ignoring (role) b or c > 2')).toEqual(['a', 'b', 'c']);
  });

  it('does not split inside parentheses or names that contain an operator word', () => {
    expect(alertQueries('(a or b) > 1')).toEqual(['(a or b)']);
    expect(alertQueries('fraud_orders_total > 1')).toEqual(['fraud_orders_total']);
    expect(alertQueries('sum by (vendor) (band) < 3')).toEqual(['sum by (vendor) (band)']);
  });

  it('gives a single expression back as one query', () => {
    expect(alertQueries('max by (job, instance) (fraud_state_lost) > 0')).toEqual(['max by (job, instance) (fraud_state_lost)']);
  });
});
