import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService } from '../../scripts/build';
import type { ServiceProcess } from '../../scripts/service-process';
import { startKafka } from '../../scripts/stack/kafka';
import { freePort, isAlive, sleep, stopPid, waitFor } from '../../scripts/stack/process';
import { startRedis } from '../../scripts/stack/redis';
import { inFaultScenario, type FaultScenario } from '../support/exactly-once';
import type { Tail } from '../support/kafka';
import { END_TXN, TcpProxy } from '../support/tcp-proxy';

/**
 * The faults a payment system meets on the Kafka path, against a broker and a Redis of this
 * file's own (so they can be crashed and restarted without touching the other suites), each
 * behind a TCP proxy that can stall or cut the service's connections. The broker advertises
 * the proxy's port, so the service's every connection, the transaction and group coordinators'
 * too, goes through it; the test's own producer, reader and Redis probe use direct ports.
 * After each fault: exactly one decision per transaction on the topic, none missing, and each
 * card's and merchant's counts in Redis exact.
 */
const TOTAL = 4000;

describe('the Kafka path through broker and Redis faults', () => {
  let dir: string;
  let dist: string;
  const running: ServiceProcess[] = [];
  let kafkaProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let brokerPid = 0;
  let redisPid = 0;
  let startBroker: () => Promise<number>;
  let startOwnRedis: () => Promise<number>;
  let direct: { redisUrl: string; brokers: string };
  let service: { redisUrl: string; brokers: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraud-stack-faults-'));
    dist = buildService(join(__dirname, '..', '..', '.cache', `test-dist-${String(process.pid)}`));
    const brokerPort = await freePort();
    const controllerPort = await freePort();
    const directPort = await freePort();
    const redisPort = await freePort();
    kafkaProxy = await TcpProxy.start({ host: '127.0.0.1', port: brokerPort }, { kafka: true });
    redisProxy = await TcpProxy.start({ host: '127.0.0.1', port: redisPort });
    startBroker = () => startKafka(brokerPort, controllerPort, join(dir, 'kafka'), 512, { advertisedPort: kafkaProxy.port, directPort });
    // Durable, as the local stack runs it: a restart keeps velocity state, stored decisions and rules.
    startOwnRedis = () => startRedis(redisPort, join(dir, 'redis'), true);
    [brokerPid, redisPid] = await Promise.all([startBroker(), startOwnRedis()]);
    direct = { redisUrl: `redis://127.0.0.1:${String(redisPort)}`, brokers: `127.0.0.1:${String(directPort)}` };
    service = { redisUrl: `redis://127.0.0.1:${String(redisProxy.port)}`, brokers: `127.0.0.1:${String(kafkaProxy.port)}` };
  }, 240_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await Promise.all([kafkaProxy.close(), redisProxy.close()]);
    await Promise.all([stopPid(brokerPid), stopPid(redisPid)]);
    rmSync(dist, { recursive: true, force: true });
    rmSync(join(dir, 'kafka'), { recursive: true, force: true });
  }, 60_000);

  const inScenario = (prefix: string, body: (s: FaultScenario, tail: Tail) => Promise<void>) =>
    inFaultScenario({ prefix, dist, logDir: dir, total: TOTAL, running, service, direct }, body);

  /** Starts an instance and feeds the stream's first half; resolves once it is deciding. */
  const deciding = async (s: FaultScenario, tail: Tail) => {
    const instance = await s.start('service');
    await s.feed(0, TOTAL / 2);
    await tail.waitFor('the first decisions', (all) => all.length >= 500, 60_000);
    return instance;
  };

  it(
    'a commit the broker applied but whose answer was lost, then the broker unreachable for 5 s: exactly once, exact counts',
    () =>
      inScenario('lost-commit', async (s, tail) => {
        const instance = await deciding(s, tail);
        // The next EndTxn reaches the broker and commits; its answer never comes back, and
        // for 5 s the broker looks dead: the service cannot tell whether its commit landed.
        const lost = kafkaProxy.loseAnswerTo(END_TXN, () => {
          kafkaProxy.refuse(true);
          kafkaProxy.cutAll();
        });
        await s.feed(TOTAL / 2, TOTAL);
        await lost;
        await sleep(5000);
        kafkaProxy.refuse(false);
        await s.expectAllDecidedExactlyOnce(tail);
        expect(await s.decisionsCounted(instance)).toBeGreaterThan(0);
      }),
    300_000,
  );

  it.each([
    ['Kafka', () => kafkaProxy],
    ['Redis', () => redisProxy],
  ] as const)(
    'the path to %s stalled for 5 s mid-stream: exactly once, exact counts',
    (name, proxy) =>
      inScenario(`${name.toLowerCase()}-stall`, async (s, tail) => {
        await deciding(s, tail);
        proxy().stall();
        await s.feed(TOTAL / 2, TOTAL);
        await sleep(5000);
        proxy().resume();
        await s.expectAllDecidedExactlyOnce(tail);
      }),
    300_000,
  );

  it(
    'Redis restarted mid-stream with its append-only file: exactly once, exact counts',
    () =>
      inScenario('redis-restart', async (s, tail) => {
        await deciding(s, tail);
        // SIGTERM: Redis writes its append-only file out and exits, as on a planned restart.
        await stopPid(redisPid);
        await s.feed(TOTAL / 2, TOTAL);
        await sleep(3000);
        redisPid = await startOwnRedis();
        await s.expectAllDecidedExactlyOnce(tail);
      }),
    300_000,
  );

  it(
    'the broker SIGKILLed mid-stream and restarted 10 s later, twice: exactly once, exact counts',
    () =>
      inScenario('broker-kill', async (s, tail) => {
        await deciding(s, tail);
        const crash = async () => {
          process.kill(brokerPid, 'SIGKILL');
          await waitFor('the broker to die', () => Promise.resolve(!isAlive(brokerPid)), 10_000);
          await sleep(10_000);
          brokerPid = await startBroker();
        };
        await crash();
        await s.feed(TOTAL / 2, (TOTAL * 3) / 4);
        await tail.waitFor('decisions after the first crash', (all) => all.length >= TOTAL / 2 + 200, 120_000);
        await crash();
        await s.feed((TOTAL * 3) / 4, TOTAL);
        await s.expectAllDecidedExactlyOnce(tail);
      }),
    400_000,
  );
});
