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

/** Starts redis-server on loopback; data lives in `dir` (snapshots off: state is rebuildable). */
export async function startRedis(port: number, dir: string): Promise<number> {
  ensureRedisBinary();
  mkdirSync(dir, { recursive: true });
  const pid = spawnDetached(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
    join(dir, 'redis.log'),
    join(dir, 'redis.pid'),
  );
  await waitFor(`redis-server on port ${port}`, () => redisAnswers(`redis://127.0.0.1:${port}`), 15_000, () => isAlive(pid));
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
