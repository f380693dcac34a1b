import '../../src/stream/send-messages';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { aptInstall, freePort, hasCommand, isAlive, readPid, runQuiet, spawnDetached, stopPid, waitFor } from './process';

const ROOT = resolve(__dirname, '..', '..');
const POM = join(ROOT, 'scripts', 'kafka', 'pom.xml');
export const KAFKA_LIBS = join(ROOT, '.cache', 'kafka', 'libs');
export const KAFKA_VERSION = '3.9.1';

/**
 * Resolves the broker's jars from Maven Central once into .cache/kafka/libs; later starts
 * find them there and take seconds.
 */
export function ensureKafkaJars(): void {
  if (!hasCommand('java')) aptInstall(['openjdk-17-jre-headless'], 'java is not installed');
  const jar = join(KAFKA_LIBS, `kafka_2.13-${KAFKA_VERSION}.jar`);
  if (existsSync(jar)) return;
  if (!hasCommand('mvn')) aptInstall(['maven'], 'mvn is not installed (needed once to fetch the Kafka jars)');
  console.log(`[stack] fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${KAFKA_LIBS}`);
  // Its output only on failure: in quiet mode Debian's mvn still printed bare ANSI resets.
  runQuiet('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies']);
  if (!existsSync(jar)) throw new Error(`Kafka jars missing after mvn: ${jar}`);
}

const client = (brokers: readonly string[]) =>
  new Kafka({ clientId: 'fraud-stack', brokers: [...brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });

/** How many brokers the cluster at `brokers` has registered; null when none answers. */
async function brokerCount(brokers: readonly string[]): Promise<number | null> {
  const admin = client(brokers).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function kafkaAnswers(brokers: readonly string[]): Promise<boolean> {
  return (await brokerCount(brokers)) !== null;
}

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly configEntries?: { name: string; value: string }[];
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(brokers: readonly string[], topics: readonly TopicSpec[], replicationFactor = 1): Promise<string[]> {
  const admin = new Kafka({ clientId: 'fraud-stack', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      // Replicated topics: the leaders are elected by the quorum, and kafkajs's own wait for them
      // can give up first (UNKNOWN_TOPIC_OR_PARTITION); they are waited for below instead.
      await admin.createTopics({
        waitForLeaders: replicationFactor === 1,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor,
          // Replicated: a write is acknowledged once two replicas hold it, so one broker may die without losing it.
          configEntries: [
            ...(t.configEntries ?? []),
            ...(replicationFactor > 1 ? [{ name: 'min.insync.replicas', value: String(Math.min(2, replicationFactor)) }] : []),
          ],
        })),
      });
    }
    if (replicationFactor > 1 && missing.length > 0) {
      const names = missing.map((t) => t.topic);
      await waitFor(
        `leaders of ${names.join(', ')}`,
        async () => {
          const { topics: meta } = await admin.fetchTopicMetadata({ topics: names }).catch(() => ({ topics: [] }));
          return meta.length === names.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        },
        60_000,
      );
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker behind a fault test's proxy: clients of `port` are told to connect to
 * `advertisedPort` (the proxy), so every connection, the coordinators' too, goes through it;
 * `directPort` is a second listener that advertises itself, for the test's own producer and
 * reader, which must not stall with the service.
 */
export interface ProxiedListeners {
  readonly advertisedPort: number;
  readonly directPort: number;
}

/** One of several brokers: its id, every controller's `id@host:port`, and the replication the internal topics get. */
interface QuorumMember {
  readonly nodeId: number;
  readonly voters: string;
  readonly replication: number;
}

function serverProperties(port: number, controllerPort: number, dataDir: string, proxied?: ProxiedListeners, member?: QuorumMember): string {
  const direct = proxied === undefined ? '' : `,DIRECT://127.0.0.1:${proxied.directPort}`;
  const replication = member?.replication ?? 1;
  const minIsr = Math.min(2, replication);
  return [
    'process.roles=broker,controller',
    `node.id=${String(member?.nodeId ?? 1)}`,
    `controller.quorum.voters=${member?.voters ?? `1@127.0.0.1:${controllerPort}`}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${direct}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${proxied?.advertisedPort ?? port}${direct}`,
    'controller.listener.names=CONTROLLER',
    // Replication and the transaction markers stay on the direct path: a proxy's faults are the clients' only.
    `inter.broker.listener.name=${proxied === undefined ? 'PLAINTEXT' : 'DIRECT'}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${proxied === undefined ? '' : ',DIRECT:PLAINTEXT'}`,
    `log.dirs=${dataDir}`,
    // The service creates nothing by accident: every topic comes from ensureTopics.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `offsets.topic.replication.factor=${String(replication)}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${String(replication)}`,
    `transaction.state.log.min.isr=${String(minIsr)}`,
    `default.replication.factor=${String(replication)}`,
    `min.insync.replicas=${String(minIsr)}`,
    'transaction.state.log.num.partitions=10',
    // A single-node dev broker: join a new consumer group at once instead of after 3 s.
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=168',
    'log.segment.bytes=134217728',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.BrokerServer=INFO',
  '',
].join('\n');

/**
 * Starts a single-node KRaft broker (combined broker + controller) from the cached jars.
 * The storage is formatted only the first time, so a dev stack keeps its topics across restarts.
 */
export async function startKafka(
  port: number,
  controllerPort: number,
  dir: string,
  heapMb = 768,
  proxied?: ProxiedListeners,
  member?: QuorumMember,
): Promise<number> {
  ensureKafkaJars();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const props = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(props, serverProperties(port, controllerPort, dataDir, proxied, member));
  writeFileSync(log4j, LOG4J);
  const classpath = `${KAFKA_LIBS}/*`;
  const jvm = ['-cp', classpath, `-Dlog4j.configuration=file:${log4j}`];
  const formatted = readdirSync(dataDir).includes('meta.properties');
  if (!formatted) {
    runQuiet('java', [...jvm, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', 'fraud-local-cluster-01', '-c', props]);
  }
  const pid = spawnDetached(
    'java',
    [`-Xms256m`, `-Xmx${heapMb}m`, '-XX:+UseG1GC', '-Djava.awt.headless=true', ...jvm, 'kafka.Kafka', props],
    join(dir, 'kafka.log'),
    join(dir, 'kafka.pid'),
  );
  const probe = proxied?.directPort ?? port;
  await waitFor(
    `Kafka broker on port ${probe}`,
    () => kafkaAnswers([`127.0.0.1:${probe}`]),
    90_000,
    () => isAlive(pid),
  );
  return pid;
}

export interface KafkaCluster {
  /** `host:port,...` of every broker: the service's KAFKA_BROKERS. */
  readonly brokers: string;
  readonly members: readonly { readonly port: number; readonly pid: number }[];
  stop(): Promise<void>;
}

/**
 * Several KRaft brokers on loopback (each broker and controller, one quorum), for replicated
 * topics: the internal topics get replication factor `count` with min.insync.replicas 2, as
 * ensureTopics gives the service's own when asked for that factor.
 */
export async function startKafkaCluster(dir: string, count = 3, heapMb = 384): Promise<KafkaCluster> {
  const ports = await Promise.all(Array.from({ length: count }, async () => ({ port: await freePort(), controller: await freePort() })));
  const voters = ports.map((p, i) => `${String(i + 1)}@127.0.0.1:${String(p.controller)}`).join(',');
  const pids: number[] = [];
  const stop = async () => {
    await Promise.all(pids.map((pid) => stopPid(pid)));
  };
  try {
    // Together: a controller waits for a quorum of the others before its broker answers.
    const started = await Promise.all(
      ports.map((p, i) =>
        startKafka(p.port, p.controller, join(dir, `broker-${String(i + 1)}`), heapMb, undefined, { nodeId: i + 1, voters, replication: count }),
      ),
    );
    pids.push(...started);
    const brokers = ports.map((p) => `127.0.0.1:${String(p.port)}`);
    await waitFor(`all ${String(count)} brokers registered`, async () => (await brokerCount(brokers)) === count, 60_000);
    return { brokers: brokers.join(','), members: ports.map((p, i) => ({ port: p.port, pid: started[i] ?? 0 })), stop };
  } catch (err) {
    // The brokers that did start, by their pid files (Promise.all gave no pids).
    const left = ports.map((_, i) => readPid(join(dir, `broker-${String(i + 1)}`, 'kafka.pid')));
    await Promise.all(left.flatMap((pid) => (pid === null ? [] : [stopPid(pid)])));
    throw err;
  }
}
