import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

/** Runs a command to completion, inheriting stdio, and fails loudly with its exit code. */
export function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): void {
  execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
}

/** Runs a command to completion with its output kept back, shown only in the error if it fails. */
export function runQuiet(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): void {
  try {
    execFileSync(cmd, args, { stdio: 'pipe', env: { ...process.env, ...env } });
  } catch (err) {
    const output = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${String(output.stdout ?? '')}${String(output.stderr ?? '')}`.trim(), { cause: err });
  }
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian packages when running as root; otherwise says exactly what to install. */
export function aptInstall(packages: readonly string[], why: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${why}: install it with \`sudo apt-get install -y ${packages.join(' ')}\` and run again`);
  }
  console.log(`[stack] ${why}: installing ${packages.join(' ')} with apt-get`);
  // policy-rc.d exit 101 stops Debian's maintainer scripts from starting a system-wide
  // redis-server on 6379 behind our back: the stack starts its own, on its own port.
  const policy = '/usr/sbin/policy-rc.d';
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { DEBIAN_FRONTEND: 'noninteractive' });
  } finally {
    rmSync(policy, { force: true });
  }
}

/**
 * Starts a long-lived server detached from this process (its own process group), logging to
 * a file, so `stack:up` can exit while the servers keep running and `stack:down` can stop them.
 */
export function spawnDetached(cmd: string, args: readonly string[], logFile: string, pidFile: string): number {
  const log = openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  writeFileSync(pidFile, String(child.pid));
  return child.pid;
}

export function readPid(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; the whole process group, so JVM children go too. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    if (alive && !alive()) throw new Error(`${what} exited during start-up`);
    await sleep(200);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.connect(port, host, () => {
      done(true);
    });
  });
}

/** A port the OS just had free on loopback; good enough for test servers started right away. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
