import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService } from '../../scripts/build';
import type { ServiceProcess } from '../../scripts/service-process';
import { startKafkaCluster, type KafkaCluster } from '../../scripts/stack/kafka';
import { isAlive, sleep, waitFor } from '../../scripts/stack/process';
import { testConfig } from '../support/config';
import { inFaultScenario } from '../support/exactly-once';

const TOTAL = 3000;
const SLICE = 100;

/**
 * The Kafka path on three KRaft brokers, its topics replicated three times with
 * min.insync.replicas 2, as a production cluster runs: one broker SIGKILLed mid-stream and
 * left dead. Its partitions' leaders, and the group and transaction coordinators it held, move
 * to the other two while the service is committing.
 */
describe('the Kafka path on three replicated brokers', () => {
  let dir: string;
  let dist: string;
  let cluster: KafkaCluster;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraud-kafka-replicated-'));
    dist = buildService(join(__dirname, '..', '..', '.cache', `test-dist-${String(process.pid)}`));
    cluster = await startKafkaCluster(join(dir, 'kafka'), 3);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await cluster.stop();
    rmSync(dist, { recursive: true, force: true });
    rmSync(join(dir, 'kafka'), { recursive: true, force: true });
  }, 60_000);

  it('one broker of three SIGKILLed mid-stream: exactly one decision per transaction, none missing, exact counts', () => {
    const stack = { redisUrl: testConfig().redis.url, brokers: cluster.brokers };
    const options = { prefix: 'broker-loss', dist, logDir: dir, total: TOTAL, running, service: stack, direct: stack, replicationFactor: 3 };
    return inFaultScenario(options, async (s, tail) => {
      await s.start('service');
      const victim = cluster.members[1]?.pid ?? 0;
      for (let from = 0; from < TOTAL; from += SLICE) {
        if (from === 8 * SLICE) {
          await tail.waitFor('the first decisions', (all) => all.length > 0, 60_000);
          process.kill(victim, 'SIGKILL');
          await waitFor('the broker to die', () => Promise.resolve(!isAlive(victim)), 10_000);
        }
        // Until the dead broker's partitions have new leaders a send can fail: sent again
        // (a redelivery, which the service decides once).
        await waitFor(
          `transactions ${String(from)}+ produced`,
          () =>
            s.feed(from, from + SLICE).then(
              () => true,
              () => false,
            ),
          120_000,
        );
        await sleep(100);
      }
      await s.expectAllDecidedExactlyOnce(tail);
    });
  }, 400_000);
});
