import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { aptInstall, freePort, hasCommand, isAlive, spawnDetached, stopPid, waitFor } from './process';

export function ensureRedisBinary(): void {
  if (!hasCommand('redis-server')) aptInstall(['redis-server'], 'redis-server is not installed');
}

export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts redis-server on loopback with its data in `dir`. `durable` turns on the append-only
 * file (fsync once a second, Redis's default trade): rule versions, overrides and stored
 * decisions live only in Redis, so the local stack keeps them across a restart. Test stacks and
 * tools' throwaway servers run without it (their state is made again by each run).
 */
export async function startRedis(port: number, dir: string, durable = false): Promise<number> {
  ensureRedisBinary();
  mkdirSync(dir, { recursive: true });
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
  const pid = spawnDetached(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence, '--daemonize', 'no', '--protected-mode', 'yes'],
    join(dir, 'redis.log'),
    join(dir, 'redis.pid'),
  );
  await waitFor(
    `redis-server on port ${port}`,
    () => redisAnswers(`redis://127.0.0.1:${port}`),
    15_000,
    () => isAlive(pid),
  );
  return pid;
}

/**
 * A throwaway redis-server on a free port with its data in a temp folder, for tools that must
 * never touch live state (the feature replay, the Redis stage benchmark). `stop` removes it all.
 */
export async function startPrivateRedis(name: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const port = await freePort();
  const pid = await startRedis(port, dir);
  return {
    url: `redis://127.0.0.1:${String(port)}`,
    stop: async () => {
      await stopPid(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
