/**
 * `npx tsx models/evaluate/online-sweep.ts --features FILE.csv --labels FILE --model FILE --from ISO [--to ISO] --settings JSON [--settings JSON ...]`
 *
 * A tuning aid for the online learner, not a measurement: runs several `--online-settings` at
 * once over a feature matrix that `npm run features` already replayed (minutes saved per
 * setting), and prints each one's average precision over [from, to) for the base model, the
 * learner alone and both combinations. Flagged = the live score at or above the review
 * threshold; the rules are not run, so the review figures of `npm run evaluate --online` (the
 * numbers to quote) differ a little.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { OnnxScorer } from '../../src/model/onnx-scorer';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { parseConfig } from '../../src/config/config';
import { featureHeaderProblem, readLabels } from '../replay/replay';
import { averagePrecision, type Scored } from './metrics';
import { ONLINE_VARIANTS, type OnlineVariant } from './online-report';
import { Prequential } from './prequential';
import { parseOnlineSettings } from './run';

interface Row {
  readonly id: string;
  readonly at: number;
  readonly fraud: boolean;
  readonly scenario: string;
  readonly features: number[];
}

async function readRows(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  let header: string[] | null = null;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const cells = line.split(',');
    if (header === null) {
      header = cells;
      const problem = featureHeaderProblem(header);
      if (problem !== null) throw new Error(`${path}: ${problem}`);
      continue;
    }
    rows.push({ id: cells[0] ?? '', at: Number(cells[2]), fraud: cells[3] === '1', scenario: cells[4] ?? '', features: cells.slice(5).map(Number) });
  }
  return rows;
}

/** The labels in report order, validated like the replay's (a bad line stops the sweep, naming it). */
async function labelsByReportTime(path: string): Promise<{ transactionId: string; fraud: boolean; at: number }[]> {
  return (await readLabels(path)).map((label) => ({ transactionId: label.transactionId, fraud: label.fraud, at: Date.parse(label.reportedAt) }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      features: { type: 'string' },
      labels: { type: 'string' },
      model: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      settings: { type: 'string', multiple: true },
    },
  });
  if (values.features === undefined || values.labels === undefined || values.model === undefined || values.from === undefined)
    throw new Error('usage: see the head of models/evaluate/online-sweep.ts');
  const from = Date.parse(values.from);
  const to = values.to === undefined ? Infinity : Date.parse(values.to);
  const policy = parseConfig(process.env).policy;
  const [rows, labels, model] = await Promise.all([
    readRows(values.features),
    labelsByReportTime(values.labels),
    OnnxScorer.load(values.model, { intraOpThreads: 1, maxRowsPerRun: 4096 }),
  ]);
  const columns = model.metadata.featureNames.map((name) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]));
  const base: number[] = [];
  for (let i = 0; i < rows.length; i += 4096) {
    const chunk = rows.slice(i, i + 4096).map((r) => columns.map((c) => r.features[c] ?? -1));
    base.push(...(await model.score(chunk)));
  }
  await model.retire();

  for (const text of values.settings ?? ['{}']) {
    const learner = new Prequential(parseOnlineSettings(text));
    const scored: Record<OnlineVariant, Scored[]> = { base: [], online: [], blend: [], residual: [] };
    const drift: Record<OnlineVariant, Scored[]> = { base: [], online: [], blend: [], residual: [] };
    let next = 0;
    rows.forEach((row, i) => {
      if (i % 500 === 0) learner.mature(row.at);
      const released: { transactionId: string; fraud: boolean }[] = [];
      for (; next < labels.length && (labels[next]?.at ?? Infinity) <= row.at; next++) {
        const label = labels[next];
        if (label) released.push(label);
      }
      if (released.length > 0) learner.release(released, row.at);
      const b = base[i] ?? 0;
      const s = learner.score(row.features, b);
      const live = learner.settings.live === 'residual' ? s.residual : s.blend;
      learner.keep(row.id, s, row.at, live >= policy.reviewThreshold);
      if (row.at < from || row.at >= to) return;
      const byVariant: Record<OnlineVariant, number> = { base: b, online: s.online, blend: s.blend, residual: s.residual };
      for (const v of ONLINE_VARIANTS) {
        scored[v].push({ score: byVariant[v], fraud: row.fraud });
        if (!row.fraud || row.scenario === 'charity_ring' || row.scenario === 'new_merchant_ring') drift[v].push({ score: byVariant[v], fraud: row.fraud });
      }
    });
    const ap = (set: Record<OnlineVariant, Scored[]>) => ONLINE_VARIANTS.map((v) => `${v} ${(averagePrecision(set[v]) ?? 0).toFixed(3)}`).join('  ');
    console.log(`${text}\n  AP all:   ${ap(scored)}\n  AP drift: ${ap(drift)} (drift-scenario frauds against all legit)\n  ${JSON.stringify(learner.stats)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
