import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { aptInstall, hasCommand, isAlive, spawnDetached, waitFor } from './process';

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
