import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runBacktest, toMarkdown } from '../../models/backtest/backtest';
import { parseRuleSet } from '../../src/rules/rules';
import { loadRuleSetFile, DEFAULT_RULES_PATH } from '../../src/rules/rules.service';
import { aTransaction, at, DAY, SECOND } from '../support/builders';
import { testConfig } from '../support/config';
import { withRule } from '../support/rules';

const T = '2026-11-01T12:00:00.000Z';

describe('the rules backtest', () => {
  const redis = new Redis(testConfig().redis.url);
  afterAll(() => {
    redis.disconnect();
  });

  it('decides the same replay under both rule sets and counts outcomes, fraud, good customers hurt and rule precision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backtest-'));
    const { cardId } = aTransaction();
    const burst = [10, 11, 12, 13].map((amount, i) => aTransaction({ cardId, amount, currency: 'EUR', occurredAt: at(T, i * SECOND) }));
    const good = aTransaction({ amount: 20, currency: 'EUR', occurredAt: at(T, 10 * SECOND) });
    writeFileSync(join(dir, 'tx.jsonl'), [...burst, good].map((tx) => JSON.stringify(tx)).join('\n'));
    // The 4th of the burst is the fraud; its label arrives a day later, after every transaction.
    writeFileSync(join(dir, 'labels.jsonl'), JSON.stringify({ transactionId: burst[3]!.transactionId, fraud: true, reportedAt: at(T, DAY) }));
    const tight = parseRuleSet(withRule('tight', 'card-velocity-1m', { action: 'review', params: { window: '1m', maxCount: 3 } }));
    if (!tight.ok) throw new Error('the tight rule set does not parse');

    const report = await runBacktest({
      transactionsPath: join(dir, 'tx.jsonl'),
      labelsPath: join(dir, 'labels.jsonl'),
      redis,
      candidate: { source: 'tight.json', ruleSet: tight.ruleSet },
      baseline: { source: 'default', ruleSet: loadRuleSetFile(DEFAULT_RULES_PATH) },
      model: null,
      policy: testConfig().policy,
    });

    expect(report.replay).toEqual({ transactions: 5, frauds: 1, labelsApplied: 0, labelsUnresolved: 0 });
    expect(report.candidate).toMatchObject({
      rulesVersion: 'tight',
      decisions: { approve: 3, review: 2, deny: 0 },
      fraudCaught: { count: 1, amount: { EUR: 13 } },
      fraudDenied: { count: 0, amount: {} },
      fraudMissed: { count: 0, amount: {} },
      goodDenied: { count: 0, amount: {} },
      goodReviewed: { count: 1, amount: { EUR: 12 } },
    });
    expect(report.candidate.rules.find((r) => r.rule === 'card-velocity-1m')).toEqual({ rule: 'card-velocity-1m', hits: 2, fraudHits: 1, precision: 0.5 });
    expect(report.baseline).toMatchObject({
      decisions: { approve: 5, review: 0, deny: 0 },
      fraudCaught: { count: 0 },
      fraudMissed: { count: 1, amount: { EUR: 13 } },
    });
    expect(report.baseline.rules.find((r) => r.rule === 'card-velocity-1m')).toEqual({ rule: 'card-velocity-1m', hits: 0, fraudHits: 0, precision: null });
    expect(report.difference).toEqual({ approve: -2, review: 2, deny: 0, fraudCaught: 1, fraudDenied: 0, fraudMissed: -1, goodDenied: 0, goodReviewed: 1 });

    const markdown = toMarkdown(report);
    expect(markdown).toContain('| Fraud caught (denied or reviewed) | 0 (0) | 1 (13.00 EUR) | +1 |');
    expect(markdown).toContain('| card-velocity-1m | 2 | 1 | 50.0 % |');
  });
});
