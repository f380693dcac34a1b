import { parseRuleSet } from './rules';

const velocityRule = (overrides: Record<string, unknown> = {}) => ({
  id: 'velocity',
  description: 'ten a minute',
  type: 'card_velocity',
  action: 'flag',
  params: { window: '1m', maxCount: 10 },
  ...overrides,
});

function errorsOf(document: unknown) {
  const parsed = parseRuleSet(document);
  if (parsed.ok) throw new Error('expected the document to be rejected');
  return parsed.errors;
}

describe('parseRuleSet', () => {
  it('accepts a valid document and enables rules unless they say otherwise', () => {
    const parsed = parseRuleSet({
      version: '2026-11-25.1',
      rules: [velocityRule(), velocityRule({ id: 'velocity-off', enabled: false })],
    });

    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.ruleSet.version).toBe('2026-11-25.1');
    expect(parsed.ruleSet.rules.map((rule) => [rule.id, rule.enabled])).toEqual([
      ['velocity', true],
      ['velocity-off', false],
    ]);
  });

  it('reports every problem in the document at once, each with its dotted path', () => {
    const errors = errorsOf({
      version: '',
      rules: [
        {
          id: 'over-average',
          description: 'x',
          type: 'amount_over_average',
          action: 'deny',
          params: { multiplier: 1, minHistoryCount: 2.5 },
        },
        velocityRule({ type: 'card_speed' }),
        {
          id: 'ceiling',
          description: 'x',
          type: 'amount_ceiling',
          action: 'block',
          params: { ceilings: { eur: 10_000, USD: -1 } },
        },
        velocityRule({ id: 'over-average', enable: false }),
        velocityRule({ id: 'Not A Slug', params: { window: '5m', maxCount: 0 } }),
      ],
    });

    expect(errors.map((error) => error.path).sort()).toEqual([
      'rules.0.params.minHistoryCount',
      'rules.0.params.multiplier',
      'rules.1.type',
      'rules.2.action',
      'rules.2.params.ceilings.USD',
      'rules.2.params.ceilings.eur',
      'rules.3',
      'rules.3.id',
      'rules.4.id',
      'rules.4.params.maxCount',
      'rules.4.params.window',
      'version',
    ]);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'rules.0.params.multiplier', message: expect.stringContaining('>1') as unknown },
        { path: 'rules.1.type', message: expect.stringContaining('amount_over_average') as unknown },
        { path: 'rules.2.params.ceilings.eur', message: expect.stringContaining('ISO 4217') as unknown },
        { path: 'rules.3', message: expect.stringContaining('"enable"') as unknown },
        { path: 'rules.3.id', message: 'duplicate rule id "over-average"' },
      ]),
    );
  });

  it('rejects a rule id used twice', () => {
    expect(errorsOf({ version: '1', rules: [velocityRule(), velocityRule(), velocityRule()] })).toEqual([
      { path: 'rules.1.id', message: 'duplicate rule id "velocity"' },
      { path: 'rules.2.id', message: 'duplicate rule id "velocity"' },
    ]);
  });

  it('reserves the allow action for allowlists, and allowlists for it', () => {
    const errors = errorsOf({
      version: '1',
      rules: [velocityRule({ action: 'allow' }), { id: 'vip-cards', description: 'x', type: 'card_allowlist', action: 'deny', params: { ids: [] } }],
    });
    expect(errors.map((error) => error.path)).toEqual(['rules.0.action', 'rules.1.action']);
  });

  it('only lets blocklists deny', () => {
    const errors = errorsOf({
      version: '1',
      rules: [{ id: 'bad-merchants', description: 'x', type: 'merchant_blocklist', action: 'review', params: { ids: ['m-1'] } }],
    });
    expect(errors.map((error) => error.path)).toEqual(['rules.0.action']);
  });

  it('rejects a document that is not an object, with an empty path', () => {
    expect(errorsOf('rules')).toEqual([{ path: '', message: expect.stringContaining('expected object') as unknown }]);
  });
});
