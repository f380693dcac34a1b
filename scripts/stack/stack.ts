import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../../src/config/config';
import { ensureTopics, kafkaAnswers, startKafka, type TopicSpec } from './kafka';
import { freePort, isAlive, readPid, stopPid } from './process';
import { redisAnswers, startRedis } from './redis';
import { clusterOk, startRedisCluster } from './redis-cluster';

/**
 * How long `transactions`, `decisions` and `fraud-labels` are kept so that `npm run
 * rebuild-state` can rebuild every window: the longest (30 days) plus the label delay, and a day.
 */
export const rebuildRetentionMs = (labelDelayDays: number) => String((30 + labelDelayDays + 1) * 86_400_000);

/** Partition counts are the stack's choice; the names come from the service's own config. */
export function topicsFor(topics: AppConfig['kafka']['topics'], transactionPartitions = 6, labelDelayDays = 7): TopicSpec[] {
  const kept = [{ name: 'retention.ms', value: rebuildRetentionMs(labelDelayDays) }];
  return [
    { topic: topics.transactions, numPartitions: transactionPartitions, configEntries: kept },
    { topic: topics.decisions, numPartitions: transactionPartitions, configEntries: kept },
    { topic: topics.reviewQueue, numPartitions: 2 },
    { topic: topics.labels, numPartitions: 3, configEntries: kept },
    { topic: topics.dlq, numPartitions: 1 },
    { topic: topics.shadow, numPartitions: 2 },
  ];
}

export interface TestStack {
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  readonly dir: string;
  readonly pids: readonly number[];
}

/** Starts a private Redis and Kafka on free ports in `dir`: tests never touch a dev stack. */
export async function startPrivateStack(dir: string, topics: readonly TopicSpec[]): Promise<TestStack> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [redisPort, kafkaPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const [redisPid, kafkaPid] = await Promise.all([startRedis(redisPort, join(dir, 'redis')), startKafka(kafkaPort, controllerPort, join(dir, 'kafka'), 512)]);
  const kafkaBrokers = `127.0.0.1:${kafkaPort}`;
  await ensureTopics([kafkaBrokers], topics);
  return { redisUrl: `redis://127.0.0.1:${redisPort}`, kafkaBrokers, dir, pids: [redisPid, kafkaPid] };
}

export async function stopPrivateStack(stack: TestStack): Promise<void> {
  await Promise.all(stack.pids.map((pid) => stopPid(pid)));
  rmSync(stack.dir, { recursive: true, force: true });
}

const STACK_DIR = resolve(__dirname, '..', '..', '.stack');
const isLocal = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';

/** The local cluster of `stack:up -- --redis-cluster`: 3 masters and 3 replicas on 7000-7005 (buses on 17000-17005). */
const CLUSTER_FIRST_PORT = 7000;
const CLUSTER_NODES = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${String(CLUSTER_FIRST_PORT + i)}`).join(',');

async function upCluster(): Promise<void> {
  if (clusterOk(CLUSTER_FIRST_PORT)) {
    console.log(`[stack] a Redis Cluster answers on ${String(CLUSTER_FIRST_PORT)}: using it`);
  } else {
    const dir = join(STACK_DIR, 'redis-cluster');
    rmSync(dir, { recursive: true, force: true });
    const cluster = await startRedisCluster(dir, 3, 1, CLUSTER_FIRST_PORT);
    console.log(`[stack] started a Redis Cluster: 3 masters, 1 replica each (pids ${cluster.members.map((m) => m.pid).join(', ')})`);
  }
  console.log(`[stack] run the service with REDIS_CLUSTER_NODES=${CLUSTER_NODES}`);
}

export async function up(config: AppConfig, redisCluster = false): Promise<void> {
  const redis = new URL(config.redis.url);
  if (redisCluster) {
    await upCluster();
  } else if (await redisAnswers(config.redis.url)) {
    console.log(`[stack] Redis answers at ${redis.host}: using it`);
  } else if (isLocal(redis.hostname)) {
    const pid = await startRedis(Number(redis.port || 6379), join(STACK_DIR, 'redis'), true);
    console.log(`[stack] started redis-server on ${redis.host} (pid ${pid})`);
  } else {
    throw new Error(`REDIS_URL names ${redis.host}, which does not answer; the stack only starts servers on this machine`);
  }

  const brokers = config.kafka.brokers;
  if (await kafkaAnswers(brokers)) {
    console.log(`[stack] Kafka answers at ${brokers.join(',')}: using it`);
  } else {
    const [host, port] = (brokers[0] ?? '').split(':');
    if (brokers.length !== 1 || host === undefined || !isLocal(host)) {
      throw new Error(`KAFKA_BROKERS=${brokers.join(',')} does not answer; the stack only starts one local broker`);
    }
    const portNumber = Number(port ?? 9092);
    const pid = await startKafka(portNumber, portNumber + 1, join(STACK_DIR, 'kafka'));
    console.log(`[stack] started Kafka broker on ${host}:${portNumber} (pid ${pid})`);
  }
  const created = await ensureTopics(brokers, topicsFor(config.kafka.topics, 6, config.features.labelDelayDays));
  console.log(`[stack] topics ready${created.length > 0 ? ` (created ${created.join(', ')})` : ''}`);
}

/** The pid in a pid file this stack wrote, if that process still runs. */
function livePid(pidFile: string): number | null {
  const pid = readPid(pidFile);
  return pid !== null && isAlive(pid) ? pid : null;
}

/** Stops the process of a pid file this stack wrote, if it runs; false when there was none. */
async function stopLive(name: string, pidFile: string): Promise<boolean> {
  const pid = livePid(pidFile);
  if (pid === null) return false;
  await stopPid(pid);
  console.log(`[stack] stopped ${name} (pid ${String(pid)})`);
  return true;
}

async function down(): Promise<void> {
  const clusterDir = join(STACK_DIR, 'redis-cluster');
  for (const node of existsSync(clusterDir) ? readdirSync(clusterDir) : []) await stopLive(`redis cluster ${node}`, join(clusterDir, node, 'redis.pid'));
  for (const name of ['kafka', 'redis']) {
    if (!(await stopLive(name, join(STACK_DIR, name, `${name}.pid`)))) console.log(`[stack] ${name}: not running from this stack`);
  }
}

async function status(config: AppConfig): Promise<boolean> {
  const redisOk = await redisAnswers(config.redis.url);
  const kafkaOk = await kafkaAnswers(config.kafka.brokers);
  const own = (name: string) => {
    const pid = livePid(join(STACK_DIR, name, `${name}.pid`));
    return pid !== null ? `started by this stack, pid ${String(pid)}` : 'not started by this stack';
  };
  console.log(`redis  ${config.redis.url.padEnd(28)} ${redisOk ? 'up  ' : 'DOWN'}  (${own('redis')})`);
  console.log(`kafka  ${config.kafka.brokers.join(',').padEnd(28)} ${kafkaOk ? 'up  ' : 'DOWN'}  (${own('kafka')})`);
  return redisOk && kafkaOk;
}

async function main(): Promise<void> {
  const { parseConfig } = await import('../../src/config/config');
  const config = parseConfig(process.env);
  const command = process.argv[2] ?? '';
  switch (command) {
    case 'up':
      await up(config, process.argv.includes('--redis-cluster'));
      break;
    case 'down':
      await down();
      break;
    case 'status':
      if (!(await status(config))) process.exitCode = 1;
      break;
    default:
      console.error('usage: stack.ts up|down|status');
      process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
