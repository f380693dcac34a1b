import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aptInstall, freePort, hasCommand, isAlive, spawnDetached, stopPid, waitFor } from './process';

const ROOT = resolve(__dirname, '..', '..');
/** The service's recording rules and alerts, and their promtool unit tests. */
export const RULES_FILE = join(ROOT, 'ops', 'prometheus', 'fraud-rules.yml');
export const RULES_TEST_FILE = join(ROOT, 'ops', 'prometheus', 'fraud-rules.test.yml');

/** Debian's `prometheus` package brings both the server and promtool. */
export function ensurePrometheusBinary(): void {
  if (!hasCommand('prometheus') || !hasCommand('promtool')) aptInstall(['prometheus'], 'prometheus (with promtool) is not installed');
}

export interface PrivatePrometheus {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * A throwaway Prometheus on a free loopback port, its data in a temp folder, scraping `targets`
 * (host:port, /metrics) and evaluating `ruleFiles` every `intervalSeconds`. The config is JSON,
 * which Prometheus reads as the YAML it is a subset of. `stop` removes it all.
 */
export async function startPrivatePrometheus(options: { readonly targets: readonly string[]; readonly ruleFiles?: readonly string[]; readonly intervalSeconds?: number }): Promise<PrivatePrometheus> {
  ensurePrometheusBinary();
  const dir = mkdtempSync(join(tmpdir(), 'fraud-prometheus-'));
  const interval = `${String(options.intervalSeconds ?? 1)}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [RULES_FILE],
    scrape_configs: [{ job_name: 'fraud-detection-service', static_configs: [{ targets: options.targets }] }],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const pid = spawnDetached(
    'prometheus',
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${String(port)}`, '--log.level=warn'],
    join(dir, 'prometheus.log'),
    join(dir, 'prometheus.pid'),
  );
  const ready = async () => {
    try {
      return (await fetch(`${url}/-/ready`)).ok;
    } catch {
      return false;
    }
  };
  try {
    await waitFor(`prometheus on port ${String(port)} (log: ${join(dir, 'prometheus.log')})`, ready, 30_000, () => isAlive(pid));
  } catch (err) {
    await stopPid(pid);
    throw err;
  }
  return {
    url,
    dir,
    stop: async () => {
      await stopPid(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
