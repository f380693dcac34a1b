import { citedRuns, readRuns } from './bench-runs';
import { CAPACITY_ASSUMPTIONS, CAPACITY_TARGET, capacityBlock, scaleOutBlock } from './scale-out-tables';

const cited = citedRuns(readRuns());
const rowOf = (block: string, label: string) => block.split('\n').find((line) => line.startsWith(`| ${label}`)) ?? '';

describe('the scale-out figures and the capacity model', () => {
  it('size the Redis masters from the scale-out run’s Redis CPU per decision, at the stated share of a thread', () => {
    const cpu = cited.scaleOut?.result.scaleOut?.replay.cpuPerDecision;
    expect(cpu).toBeDefined();
    const redisUs = (cpu?.redisNodesUs ?? []).reduce<number>((a, b) => a + (b ?? Number.NaN), 0);
    const masters = Math.ceil((CAPACITY_TARGET.decisionsPerSecond * redisUs) / 1e6 / CAPACITY_ASSUMPTIONS.redisThreadShare);
    const row = rowOf(capacityBlock(cited, 'results'), 'Redis CPU');
    expect(row).toContain(`${String(Math.round(redisUs))} us a decision over all masters`);
    expect(row).toContain(`**${masters.toLocaleString('en')} masters**`);
  });

  it('size the card state from the full run’s bytes per card', () => {
    const bytes = cited.full?.result.redisBytesPerCard?.medianBytes ?? Number.NaN;
    const gb = (CAPACITY_TARGET.activeCards * bytes) / 1e9;
    const row = rowOf(capacityBlock(cited, 'results'), 'Redis memory, card state');
    expect(row).toContain(`**${String(Math.ceil(gb / CAPACITY_ASSUMPTIONS.masterDataGb))} masters**`);
  });

  it('put each instance and each master of the scale-out run in its own column, beside the single instance of the same run', () => {
    const block = scaleOutBlock(cited, 'results');
    const so = cited.scaleOut?.result.scaleOut;
    const replayRow = rowOf(block, `${String(so?.instances)} instances`);
    for (const us of so?.replay.cpuPerDecision?.redisNodesUs ?? []) expect(replayRow).toContain(`${String(us)} us`);
    expect(rowOf(block, 'one instance, one Redis')).toContain(`${(cited.scaleOut?.result.replay?.decisionsPerSecond ?? 0).toLocaleString('en')}/s`);
  });

  it('say so when no run has the scenario rather than invent figures', () => {
    const none = { ...cited, scaleOut: null };
    expect(scaleOutBlock(none, 'results')).toBe('No committed bench run has the scale-out scenario.');
    expect(capacityBlock(none, 'results')).toMatch(/^The capacity model needs/);
  });
});
