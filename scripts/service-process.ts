import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './stack/process';

/**
 * The V8 options `npm start` runs the service with (package.json says the same). V8 sizes the
 * young generation by the machine's memory: here it grew to 134 MB, a third of the service's
 * RSS. Capped at 16 MB per semi-space, the steady-load RSS fell from a median of 361-372 MB to
 * 275-283 MB for 0-7% more CPU per decision (load-tests/README.md). They go first in
 * NODE_OPTIONS, so a caller's own NODE_OPTIONS can override them.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=16';

export interface ServiceProcess {
  readonly pid: number;
  readonly baseUrl: string;
  /** Resolves once the process has ended: its exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (graceful: finish the batch, commit, leave the group) and wait for the exit. */
  stop(): Promise<number | NodeJS.Signals>;
}

/**
 * Runs the built service (`<distDir>/main.js`) as its own process, the way it runs in
 * production, logging to `logFile`, and waits until /health/ready answers 200. The demo and
 * the fault tests (SIGKILL, two instances) use it; a crash must be a real process dying.
 * `args` runs another program the same way instead (the bench's floors), and `ready` replaces
 * the readiness probe.
 */
export async function startServiceProcess(options: {
  distDir: string;
  env: Record<string, string>;
  logFile: string;
  readyTimeoutMs?: number;
  args?: readonly string[];
  ready?: (baseUrl: string) => Promise<boolean>;
}): Promise<ServiceProcess> {
  const port = options.env.PORT;
  if (port === undefined || port === '0') throw new Error('startServiceProcess needs a fixed PORT to probe');
  const log = openSync(options.logFile, 'a');
  const env = { ...process.env, ...options.env };
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...(options.args ?? [join(options.distDir, 'main.js')])], {
    env: { ...env, NODE_OPTIONS: `${SERVICE_NODE_OPTIONS} ${env.NODE_OPTIONS ?? ''}`.trim() },
    stdio: ['ignore', log, log],
  });
  if (child.pid === undefined) throw new Error('could not start the service process');
  const pid = child.pid;
  const state = { done: false };
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      state.done = true;
      resolve(code ?? signal ?? 'SIGKILL');
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  const probe = options.ready ?? (async () => (await fetch(`${baseUrl}/health/ready`)).status === 200);
  const ready = async () => {
    try {
      return await probe(baseUrl);
    } catch {
      return false; // not listening yet
    }
  };
  try {
    await waitFor('the service', ready, options.readyTimeoutMs ?? 60_000, () => !state.done);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}; see ${options.logFile}`);
  }
  return {
    pid,
    baseUrl,
    exited,
    kill: (signal) => child.kill(signal),
    stop: async () => {
      if (!state.done) child.kill('SIGTERM');
      return exited;
    },
  };
}
