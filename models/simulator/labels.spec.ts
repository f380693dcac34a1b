import { DRIFT_SCENARIO, SCENARIOS, type FraudScenario } from './events';
import { labelDelayMs } from './labels';
import { Rng } from './rng';
import { DAY } from './time';

const ALL: readonly FraudScenario[] = [...SCENARIOS, DRIFT_SCENARIO];

describe('labelDelayMs', () => {
  it.each(ALL)('confirms %s fraud within hours, by chargeback within a month, or late within 60 days', (scenario) => {
    const rng = new Rng(11, scenario);
    const days = Array.from({ length: 5_000 }, () => labelDelayMs(rng, scenario) / DAY);
    const share = (keep: (d: number) => boolean) => days.filter(keep).length / days.length;
    expect(Math.min(...days)).toBeGreaterThan(0);
    expect(Math.max(...days)).toBeLessThanOrEqual(60);
    expect(share((d) => d < 1)).toBeGreaterThan(0.03);
    expect(share((d) => d >= 2 && d <= 30)).toBeGreaterThan(0.5);
    expect(share((d) => d > 30)).toBeGreaterThan(0.02);
    expect(share((d) => d > 1 && d < 2)).toBe(0);
  });
});
