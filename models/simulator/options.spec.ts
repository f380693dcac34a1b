import { parseOptions } from './options';

const errorOf = (args: string[]) => {
  const parsed = parseOptions(args);
  return parsed.ok ? null : parsed.error;
};

describe('parseOptions', () => {
  it('runs without drift unless asked, with the defaults of the committed history', () => {
    expect(parseOptions(['--out', 'data/sim'])).toEqual({
      ok: true,
      options: { out: 'data/sim', days: 120, customers: 10_000, seed: 42, start: Date.parse('2026-01-01T00:00:00Z') },
    });
  });

  it('starts the drift 30 days before the end by default', () => {
    const parsed = parseOptions(['--out', 'x', '--drift']);
    expect(parsed.ok && parsed.options.driftFrom).toBe(Date.parse('2026-04-01T00:00:00Z'));
  });

  it('takes a drift start on any simulated day, the first and the last included', () => {
    for (const day of ['2026-02-01', '2026-03-10', '2026-03-31']) {
      const parsed = parseOptions(['--out', 'x', '--days', '60', '--start', '2026-02-01', '--drift', '--drift-from', day]);
      expect(parsed.ok && parsed.options.driftFrom).toBe(Date.parse(`${day}T00:00:00Z`));
    }
  });

  it.each([
    ['before the start', ['--drift-from', '2025-12-31'], /--drift-from 2025-12-31 is outside the generated period 2026-01-01 to 2026-04-30/],
    ['after the last day', ['--drift-from', '2026-05-01'], /outside the generated period/],
    ['not a date', ['--drift-from', '2026-04-31'], /drift-from/],
  ])('refuses a drift start %s', (_, args, message) => {
    expect(errorOf(['--out', 'x', '--drift', ...args])).toMatch(message);
  });

  it('refuses a run too short for the default drift start, and --drift-from without --drift', () => {
    expect(errorOf(['--out', 'x', '--days', '20', '--drift'])).toMatch(/default drift start .* is outside the generated period 2026-01-01 to 2026-01-20/);
    expect(errorOf(['--out', 'x', '--drift-from', '2026-04-01'])).toMatch(/--drift-from needs --drift/);
  });

  it('refuses unknown flags and a missing --out with a message', () => {
    expect(errorOf(['--out', 'x', '--drfit'])).toMatch(/drfit/);
    expect(errorOf([])).toMatch(/--out DIR is required/);
  });
});
