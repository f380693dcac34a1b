import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationReport } from './report';

/**
 * The README's detection tables, from the committed `npm run evaluate` results in
 * models/evaluation/<history>/report.json (see scripts/readme-config.ts): no figure is typed
 * into the README by hand. For the model table only: models/evaluation/previous/<history>/
 * holds the model before the committed one, re-scored the same way, and
 * models/evaluation/transfer/<history>/ the committed model on a history it was not trained on.
 */
export const EVALUATION_DIR = join(__dirname, '..', 'evaluation');
export const MODEL_TABLE_HEADER =
  '| History | Window | Transactions | Frauds | Model | ROC AUC | Average precision | Card precision@100 (ceiling) | Rules | Review rate | Deny rate |\n|---|---|---:|---:|---|---:|---:|---:|---|---:|---:|\n';
export const BASELINE_TABLE_HEADER =
  '| History | Test window | Test transactions (frauds) | Model | ROC AUC | Average precision | Card precision@100 |\n|---|---|---:|---|---:|---:|---:|\n';
export const RULE_TABLE_HEADER =
  '| Rule | Action | History | Hits | Precision | Legitimate sent to review | Legitimate denied |\n|---|---|---|---:|---:|---:|---:|\n';

interface Named {
  readonly name: string;
  readonly report: EvaluationReport;
}

export function evaluations(dir = EVALUATION_DIR): Named[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'report.json')))
    .map((e) => ({ name: e.name, report: JSON.parse(readFileSync(join(dir, e.name, 'report.json'), 'utf8')) as EvaluationReport }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const num = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(3));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(2)} %`);
const day = (iso: string) => iso.slice(0, 10);

export function modelTable(all: readonly Named[], previous: readonly Named[] = [], transfer: readonly Named[] = []): string {
  const rows = [
    ...all,
    ...previous.map((p) => ({ ...p, name: `${p.name} (previous model)` })),
    ...transfer.map((t) => ({ ...t, name: `${t.name} (committed model, not retrained)` })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  return rows
    .map(({ name, report: r }) => {
      const k = r.data.k;
      const cp = r.model[`card_precision_at_${String(k)}`];
      const ceiling = r.model[`card_precision_at_${String(k)}_ceiling`];
      return `| ${name} | ${day(r.data.window.from)} to ${day(r.data.window.to)} | ${r.data.transactionsInWindow.toLocaleString('en')} | ${r.data.fraudsInWindow.toLocaleString('en')} | \`${r.data.model ?? 'none'}\` | ${num(r.model.auc_roc)} | ${num(r.model.average_precision)} | ${num(cp)} (${num(ceiling)}) | \`${r.data.rules}\` | ${pct(r.review_rate)} | ${pct(r.deny_rate)} |`;
    })
    .join('\n');
}

export function ruleTable(all: readonly Named[]): string {
  const ids = [...new Set(all.flatMap(({ report }) => Object.keys(report.rules)))];
  return ids
    .flatMap((id) =>
      all.flatMap(({ name, report }) => {
        const r = report.rules[id];
        if (r === undefined) return [];
        return [
          `| \`${id}\` | ${r.action} | ${name} | ${r.hits.toLocaleString('en')} | ${num(r.precision)} | ${pct(r.legit_review_rate)} | ${pct(r.legit_deny_rate)} |`,
        ];
      }),
    )
    .join('\n');
}

interface TrainedMetadata {
  readonly modelVersion: string;
  readonly testWindow: { readonly from: string; readonly to: string };
  readonly rows: { readonly test: number; readonly testFrauds: number };
  readonly metrics: {
    readonly rocAuc: number;
    readonly averagePrecision: number;
    readonly cardPrecisionAt100PerDay: { readonly mean: number };
    readonly baseline: { readonly model: string; readonly rocAuc: number; readonly averagePrecision: number; readonly cardPrecisionAt100PerDay: number };
  };
}

/**
 * `npm run train` on a history against the published baseline it fits on the same rows, from
 * the metadata.json committed in models/evaluation/<history>/model/ (train.py's definitions:
 * card precision without removing known cards).
 */
export function baselineTable(dir = EVALUATION_DIR): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model', 'metadata.json')))
    .map((e) => e.name)
    .sort()
    .flatMap((name) => {
      const m = JSON.parse(readFileSync(join(dir, name, 'model', 'metadata.json'), 'utf8')) as TrainedMetadata;
      const head = `| ${name} | ${day(m.testWindow.from)} to ${day(m.testWindow.to)} | ${m.rows.test.toLocaleString('en')} (${m.rows.testFrauds.toLocaleString('en')})`;
      const b = m.metrics.baseline;
      return [
        `${head} | gradient-boosted trees \`${m.modelVersion}\` | ${num(m.metrics.rocAuc)} | ${num(m.metrics.averagePrecision)} | ${num(m.metrics.cardPrecisionAt100PerDay.mean)} |`,
        `${head} | ${b.model} | ${num(b.rocAuc)} | ${num(b.averagePrecision)} | ${num(b.cardPrecisionAt100PerDay)} |`,
      ];
    })
    .join('\n');
}

interface Table {
  readonly header: string;
  readonly rows: string;
}

/** The three generated tables, each with its header, as the README holds them. */
export function detectionTables(dir = EVALUATION_DIR): { readonly models: Table; readonly rules: Table; readonly baselines: Table; readonly online: Table } {
  const all = evaluations(dir);
  return {
    models: { header: MODEL_TABLE_HEADER, rows: modelTable(all, evaluations(join(dir, 'previous')), evaluations(join(dir, 'transfer'))) },
    rules: { header: RULE_TABLE_HEADER, rows: ruleTable(all) },
    baselines: { header: BASELINE_TABLE_HEADER, rows: baselineTable(dir) },
    online: { header: ONLINE_TABLE_HEADER, rows: onlineTable(join(dir, 'online')) },
  };
}

const tableText = (t: Table) => `${t.header}${t.rows}`;

export const MODEL_CARD_SECTION = '## Evaluated by `npm run evaluate`';

/**
 * The last section of the committed model card (models/current/MODEL_CARD.md), which train.py
 * writes without it: how the committed model fares through the service's own decision path on
 * each history, the second generator's included, with its own retrained model and the baseline
 * beside it. Written by `npm run docs:config` from the same results as the README's tables.
 */
export function modelCardSection(dir = EVALUATION_DIR): string {
  const { models, rules, baselines } = detectionTables(dir);
  return [
    MODEL_CARD_SECTION,
    '',
    "Each history replayed in event time through the velocity scripts, the default rules and this model, labels fed back only once reported (README, Detection quality, for the definitions). `(committed model, not retrained)` is this model on a history it was not trained on; the unmarked second-history row is a model trained by `npm run train` on that history's own earlier days, as a user would, and `(previous model)` the model before this one, re-scored the same way.",
    '',
    tableText(models),
    '',
    "On the second history, `npm run train` against the standardised logistic regression train.py fits on the same rows (train.py's card precision: known cards not removed):",
    '',
    tableText(baselines),
    '',
    'The default rules on the same windows:',
    '',
    tableText(rules),
    '',
  ].join('\n');
}

/** `card` with its evaluation section replaced by (or, the first time, followed by) `section`. */
export function withModelCardSection(card: string, section: string): string {
  const at = card.indexOf(MODEL_CARD_SECTION);
  const head = at < 0 ? `${card.trimEnd()}\n\n` : card.slice(0, at);
  return `${head}${section}`;
}

export const ONLINE_EVALUATION_DIR = join(EVALUATION_DIR, 'online');
export const ONLINE_TABLE_HEADER =
  '| History | Seeds | Window | Base AP | Online alone AP | Blend AP | Residual AP | Residual - base (3x seed spread) | Blend - base (3x seed spread) | Review / deny rate: base | residual | blend |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const spread = (xs: readonly number[]) => (xs.length === 0 ? 0 : Math.max(...xs) - Math.min(...xs));
const rates = (v: { review_rate: number | null; deny_rate: number | null }) => `${pct(v.review_rate)} / ${pct(v.deny_rate)}`;

/**
 * The online model's prequential results, one row per history (models/evaluation/online/<history>-<seed>/
 * report.json, from `npm run evaluate -- --online`), averaged over its seeds. A gain counts when
 * it is above three times the seed spread: the spread (max - min over the seeds) of the gain
 * itself, so a gain that one seed shows and another does not is not counted.
 */
export function onlineTable(dir = ONLINE_EVALUATION_DIR): string {
  const groups = new Map<string, { seed: string; report: EvaluationReport }[]>();
  for (const { name, report } of evaluations(dir)) {
    const match = /^(.*)-(\d+)$/.exec(name);
    if (match === null || report.online === undefined) continue;
    const [, history = name, seed = ''] = match;
    groups.set(history, [...(groups.get(history) ?? []), { seed, report }]);
  }
  return [...groups.entries()]
    .map(([history, runs]) => {
      const ap = (variant: 'base' | 'online' | 'blend' | 'residual') => runs.map((r) => r.report.online?.variants[variant].average_precision ?? 0);
      const gain = (variant: 'blend' | 'residual') => {
        const d = ap(variant).map((x, i) => x - (ap('base')[i] ?? 0));
        return `${mean(d) >= 0 ? '+' : ''}${num(mean(d))} (${num(3 * spread(d))})`;
      };
      const avg = (variant: 'base' | 'residual' | 'blend', key: 'review_rate' | 'deny_rate') =>
        mean(runs.map((r) => r.report.online?.variants[variant][key] ?? 0));
      const first = runs[0]?.report;
      const window = first === undefined ? '' : `${day(first.data.window.from)} to ${day(first.data.window.to)}`;
      const meanAp = (variant: 'base' | 'online' | 'blend' | 'residual') => `${num(mean(ap(variant)))} ± ${num(spread(ap(variant)) / 2)}`;
      return (
        `| ${history} | ${runs.map((r) => r.seed).join(', ')} | ${window} | ${meanAp('base')} | ${meanAp('online')} | ${meanAp('blend')} | ${meanAp('residual')} | ${gain('residual')} | ${gain('blend')} | ` +
        `${rates({ review_rate: avg('base', 'review_rate'), deny_rate: avg('base', 'deny_rate') })} | ${rates({ review_rate: avg('residual', 'review_rate'), deny_rate: avg('residual', 'deny_rate') })} | ${rates({ review_rate: avg('blend', 'review_rate'), deny_rate: avg('blend', 'deny_rate') })} |`
      );
    })
    .join('\n');
}
