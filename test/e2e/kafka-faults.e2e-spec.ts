import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService } from '../../scripts/build';
import type { ServiceProcess } from '../../scripts/service-process';
import { inFaultScenario, type FaultScenario } from '../support/exactly-once';
import type { Tail } from '../support/kafka';

/**
 * Crashes and rebalances with the service running as real processes (the built dist/), as in
 * production: a SIGKILL mid-stream, and a second instance leaving its group halfway. Either
 * way a read_committed reader must see exactly one decision per transaction, and Redis must
 * count each transaction once.
 */
const TOTAL = 6000;
const CHUNK = 500;

describe('the Kafka path under crashes and rebalances', () => {
  let dir: string;
  let dist: string;
  const running: ServiceProcess[] = [];

  beforeAll(() => {
    // Logs stay in the temp dir for a failure's post-mortem; the build sits inside the
    // project, next to the node_modules it resolves its dependencies from.
    dir = mkdtempSync(join(tmpdir(), 'fraud-faults-'));
    dist = buildService(join(__dirname, '..', '..', '.cache', `test-dist-${String(process.pid)}`));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    rmSync(dist, { recursive: true, force: true });
  });

  const inScenario = (prefix: string, body: (s: FaultScenario, tail: Tail) => Promise<void>) =>
    inFaultScenario({ prefix, dist, logDir: dir, total: TOTAL, running }, body);

  it(
    'SIGKILL in the middle of a stream, then a restart: exactly one decision per transaction, none missing',
    () =>
      inScenario('kill', async (s, tail) => {
        const first = await s.start('first');
        await s.feed(0, TOTAL / 2);
        await tail.waitFor('the first decisions', (all) => all.length >= 1000, 60_000);
        first.kill('SIGKILL');
        expect(await first.exited).toBe('SIGKILL');
        const decidedBeforeKill = tail.all.length;
        expect(decidedBeforeKill).toBeLessThan(TOTAL);

        await s.feed(TOTAL / 2, TOTAL);
        await s.start('restarted');
        await s.expectAllDecidedExactlyOnce(tail);
        expect(s.logOf('restarted')).not.toMatch(/"level":"error"/);
      }),
    300_000,
  );

  it(
    'a second instance joining mid-stream, while the first has commits in flight: every transaction decided exactly once',
    () =>
      inScenario('join', async (s, tail) => {
        const first = await s.start('first');
        // The stream arrives over ~10 s; the second instance joins after its first second, so the
        // join revokes partitions from the first while it is deciding and committing.
        const feeding = (async () => {
          for (let i = 0; i < TOTAL; i += CHUNK / 2) {
            await s.feed(i, i + CHUNK / 2);
            await new Promise((resolve) => setTimeout(resolve, 400));
          }
        })();
        await tail.waitFor('the first decisions', (all) => all.length >= 500, 60_000);
        const second = await s.start('second');
        await feeding;
        await s.expectAllDecidedExactlyOnce(tail);
        expect(await s.decisionsCounted(first)).toBeGreaterThan(0);
        expect(await s.decisionsCounted(second)).toBeGreaterThan(0);
        expect(s.logOf('first')).not.toMatch(/"level":"error"/);
        expect(s.logOf('second')).not.toMatch(/"level":"error"/);
      }),
    300_000,
  );

  it(
    'two instances in one group, one stopped halfway: every transaction decided exactly once',
    () =>
      inScenario('pair', async (s, tail) => {
        const [a, b] = await Promise.all([s.start('a'), s.start('b')]);
        await s.feed(0, TOTAL / 2);
        await tail.waitFor('half of the decisions', (all) => all.length >= TOTAL / 2, 120_000);
        // Both members own partitions, so both decided part of the first half.
        expect(await s.decisionsCounted(a)).toBeGreaterThan(0);
        expect(await s.decisionsCounted(b)).toBeGreaterThan(0);

        await s.feed(TOTAL / 2, (TOTAL * 3) / 4);
        expect(await b.stop()).not.toBe('SIGKILL'); // a graceful SIGTERM: finish, commit, leave
        await s.feed((TOTAL * 3) / 4, TOTAL);
        await s.expectAllDecidedExactlyOnce(tail);
      }),
    300_000,
  );
});
