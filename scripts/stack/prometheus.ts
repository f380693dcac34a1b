import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { aptInstall, freePort, hasCommand, isAlive, spawnDetached, stopPid, waitFor } from './process';

const ROOT = resolve(__dirname, '..', '..');
/** The service's recording rules and alerts, and their promtool unit tests. */
export const RULES_FILE = join(ROOT, 'ops', 'prometheus', 'fraud-rules.yml');
export const RULES_TEST_FILE = join(ROOT, 'ops', 'prometheus', 'fraud-rules.test.yml');
/** The scrape job a private Prometheus puts the service's targets in. */
export const SCRAPE_JOB = 'fraud-detection-service';

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
export async function startPrivatePrometheus(options: {
  readonly targets: readonly string[];
  readonly ruleFiles?: readonly string[];
  readonly intervalSeconds?: number;
}): Promise<PrivatePrometheus> {
  ensurePrometheusBinary();
  const dir = mkdtempSync(join(tmpdir(), 'fraud-prometheus-'));
  const interval = `${String(options.intervalSeconds ?? 1)}s`;
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [RULES_FILE],
    scrape_configs: [{ job_name: SCRAPE_JOB, static_configs: [{ targets: options.targets }] }],
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

const apiError = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });
const queryAnswer = z.union([
  z.object({ status: z.literal('success'), data: z.object({ resultType: z.enum(['vector', 'matrix', 'scalar', 'string']), result: z.unknown() }) }),
  apiError,
]);

/** An instant query's result: how many series (1 for a scalar or string), or Prometheus's error. */
export type QueryResult = { readonly ok: true; readonly series: number } | { readonly ok: false; readonly error: string };

export async function instantQuery(url: string, expr: string): Promise<QueryResult> {
  const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: expr }) });
  const answer = queryAnswer.parse(await response.json());
  if (answer.status === 'error') return { ok: false, error: `${answer.errorType}: ${answer.error}` };
  const { resultType, result } = answer.data;
  return { ok: true, series: resultType === 'vector' || resultType === 'matrix' ? z.array(z.unknown()).parse(result).length : 1 };
}

const loadedRule = z.object({
  type: z.enum(['recording', 'alerting']),
  name: z.string(),
  query: z.string(),
  health: z.enum(['ok', 'err', 'unknown']),
  lastError: z.string().optional(),
});
export type LoadedRule = z.infer<typeof loadedRule> & { readonly file: string };
const rulesAnswer = z.union([
  z.object({ status: z.literal('success'), data: z.object({ groups: z.array(z.object({ name: z.string(), file: z.string(), rules: z.array(loadedRule) })) }) }),
  apiError,
]);

/** Every rule Prometheus loaded, with the file it came from and how its last evaluation went. */
export async function loadedRules(url: string): Promise<LoadedRule[]> {
  const answer = rulesAnswer.parse(await (await fetch(`${url}/api/v1/rules`)).json());
  if (answer.status === 'error') throw new Error(`rules API: ${answer.errorType}: ${answer.error}`);
  return answer.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, file: g.file })));
}

const labelValuesAnswer = z.union([z.object({ status: z.literal('success'), data: z.array(z.string()) }), apiError]);

/** The values `label` takes on the series matching `match` (what a Grafana label_values() variable lists). */
export async function labelValues(url: string, label: string, match: string): Promise<string[]> {
  const answer = labelValuesAnswer.parse(
    await (await fetch(`${url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': match }).toString()}`)).json(),
  );
  if (answer.status === 'error') throw new Error(`label values of ${label} on ${match}: ${answer.errorType}: ${answer.error}`);
  return answer.data;
}
