import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisBinary, redisAnswers } from './redis';
import { freePort, isAlive, runQuiet, spawnDetached, stopPid, waitFor } from './process';

export interface RedisClusterNode {
  readonly port: number;
  readonly bus: number;
  readonly pid: number;
  readonly dir: string;
}

export interface RedisCluster {
  /** `host:port,...` of every node, masters and replicas: the service's REDIS_CLUSTER_NODES. */
  readonly nodes: string;
  readonly members: readonly RedisClusterNode[];
  /** Starts a stopped (or killed) node again on its port and data: it rejoins the cluster, as a replica if it lost its slots meanwhile. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]): string =>
  execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** `cluster_state:ok` and every slot served, as this node sees it. */
export function clusterOk(port: number): boolean {
  try {
    const info = cli(port, 'cluster', 'info');
    return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384');
  } catch {
    return false;
  }
}

/** The node's role from its own INFO: 'master' or 'slave'. */
export function roleOf(port: number): string {
  return /role:(\w+)/.exec(cli(port, 'info', 'replication'))?.[1] ?? 'unknown';
}

async function startNode(dir: string, fixedPort?: number, fixedBus?: number): Promise<RedisClusterNode> {
  mkdirSync(dir, { recursive: true });
  // On free ports the bus port is chosen too: Redis's default (port + 10000) may be past 65535 or taken.
  const port = fixedPort ?? (await freePort());
  const bus = fixedBus ?? (fixedPort === undefined ? await freePort() : fixedPort + 10_000);
  const pid = spawnDetached(
    'redis-server',
    [
      '--port',
      String(port),
      '--cluster-port',
      String(bus),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      // A dead master is failed over after 2 s: long enough not to flap on a noisy machine.
      '--cluster-node-timeout',
      '2000',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    join(dir, 'redis.log'),
    join(dir, 'redis.pid'),
  );
  await waitFor(
    `redis-server (cluster node) on port ${String(port)}`,
    () => redisAnswers(`redis://127.0.0.1:${String(port)}`),
    15_000,
    () => isAlive(pid),
  );
  return { port, bus, pid, dir };
}

/**
 * A Redis Cluster on loopback, no Docker: `masters` masters with `replicas` replicas each,
 * every node its own redis-server on free ports, joined by `redis-cli --cluster create`, and
 * waited for until every node says `cluster_state:ok`.
 */
export async function startRedisCluster(dir: string, masters = 3, replicas = 1, firstPort?: number): Promise<RedisCluster> {
  ensureRedisBinary();
  const members: RedisClusterNode[] = [];
  const stop = async () => {
    await Promise.all(members.map((m) => stopPid(m.pid)));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++)
      members.push(await startNode(join(dir, `node-${String(i)}`), firstPort === undefined ? undefined : firstPort + i));
    const addresses = members.map((m) => `127.0.0.1:${String(m.port)}`);
    runQuiet('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    await waitFor('the Redis Cluster to be ok on every node', () => Promise.resolve(members.every((m) => clusterOk(m.port))), 30_000);
    // A replica serves nothing until its sync with its master is done: wait for all of them.
    await waitFor(
      'every replica in sync',
      () =>
        Promise.resolve(members.filter((m) => roleOf(m.port) === 'slave').every((m) => cli(m.port, 'info', 'replication').includes('master_link_status:up'))),
      30_000,
    );
    const restart = async (port: number) => {
      const at = members.findIndex((m) => m.port === port);
      const old = members[at];
      if (old === undefined) throw new Error(`no cluster node on port ${String(port)}`);
      if (isAlive(old.pid)) await stopPid(old.pid);
      members[at] = await startNode(old.dir, old.port, old.bus);
    };
    return { nodes: addresses.join(','), members, restart, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A throwaway cluster in a temp folder; `stop` removes it all. */
export async function startPrivateRedisCluster(name: string, masters = 3, replicas = 1): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const cluster = await startRedisCluster(dir, masters, replicas);
  return {
    ...cluster,
    stop: async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
