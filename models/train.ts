/**
 * `npm run train -- --transactions FILE --labels FILE [--out DIR] [--features FILE.csv] [--max-bad-rows N] [--label-delay-days D] [-- train.py flags]`
 * `npm run train -- --features-from FILE.csv [--out DIR] [-- train.py flags]`
 * Retrains the model on any labelled history in the contract's JSON-lines format: replays it
 * through the service's own feature code, then trains, evaluates on a held-out later period and
 * exports (models/train/train.py). `--features-from` skips the replay and trains on the feature
 * CSV of an earlier run, to try other train.py flags without replaying again. Writes
 * DIR/model.onnx, metadata.json, MODEL_CARD.md and the charts. Deploy by pointing MODEL_PATH at
 * DIR/model.onnx, or by moving the files into the live model's folder: a running service swaps
 * the new model in without a restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFeatures, checkFeatureCsv, DEFAULT_MAX_BAD_ROWS, describeReplay, parseLabelDelayDays, parseMaxBadRows } from './replay/features';

const ROOT = resolve(__dirname, '..');
const USAGE = [
  'usage: npm run train -- --transactions FILE --labels FILE [--out DIR] [--features FILE.csv] ' +
    `[--max-bad-rows N (default ${String(DEFAULT_MAX_BAD_ROWS)})] [--label-delay-days D (default 7, the LABEL_DELAY_DAYS to serve with)] [-- extra train.py flags]`,
  '   or: npm run train -- --features-from FILE.csv [--out DIR] [-- extra train.py flags]',
].join('\n');

interface Args {
  readonly transactions?: string | undefined;
  readonly labels?: string | undefined;
  readonly features?: string | undefined;
  readonly 'features-from'?: string | undefined;
  readonly 'max-bad-rows'?: string | undefined;
  readonly 'label-delay-days'?: string | undefined;
}

/** The feature CSV to train on: an earlier run's, checked, or a fresh replay's. */
async function featuresToTrainOn(args: Args): Promise<string> {
  const from = args['features-from'];
  if (from !== undefined) {
    const replayOnly = (['transactions', 'labels', 'features', 'max-bad-rows', 'label-delay-days'] as const).filter((flag) => args[flag] !== undefined);
    if (replayOnly.length > 0)
      throw new Error(
        `--features-from trains on an existing CSV without a replay; ${replayOnly.map((f) => `--${f}`).join(', ')} only apply to a replay\n${USAGE}`,
      );
    const path = resolve(from);
    await checkFeatureCsv(path);
    console.log(`[train] training on ${from} (no replay)`);
    return path;
  }
  if (args.transactions === undefined || args.labels === undefined) throw new Error(USAGE);
  const maxBadRows = parseMaxBadRows(args['max-bad-rows']);
  const labelDelayDays = parseLabelDelayDays(args['label-delay-days']);
  const path = resolve(args.features ?? join(ROOT, '.cache', 'features.csv'));
  mkdirSync(join(path, '..'), { recursive: true });
  console.log(`[train] replaying ${args.transactions} with labels ${args.labels} -> ${path}`);
  const summary = await buildFeatures({
    transactionsPath: resolve(args.transactions),
    labelsPath: resolve(args.labels),
    outPath: path,
    maxBadRows,
    labelDelayDays,
  });
  for (const line of describeReplay(summary)) console.log(`[train] ${line}`);
  return path;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      transactions: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string', default: 'models/candidate' },
      features: { type: 'string' },
      'features-from': { type: 'string' },
      'max-bad-rows': { type: 'string' },
      'label-delay-days': { type: 'string' },
    },
  });
  const features = await featuresToTrainOn(values);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const python =
    execFileSync('bash', [join(ROOT, 'models', 'train', 'setup_venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .at(-1) ?? 'python3';
  execFileSync(python, [join(ROOT, 'models', 'train', 'train.py'), '--features', features, '--out', out, ...positionals], { stdio: 'inherit' });
  console.log(`[train] model, metadata and model card in ${out}`);
}

main().catch((err: unknown) => {
  console.error(`[train] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
