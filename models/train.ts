/**
 * `npm run train -- --transactions FILE --labels FILE [--out DIR]`
 * Retrains the model on any labelled history in the contract's JSON-lines format: replays it
 * through the service's own feature code, then trains, evaluates on a held-out later period and
 * exports (models/train/train.py). Writes DIR/model.onnx, metadata.json, MODEL_CARD.md and the
 * charts. Deploy by pointing MODEL_PATH at DIR/model.onnx, or by moving the files into the
 * live model's folder: a running service swaps the new model in without a restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFeatures } from './replay/features';

const ROOT = resolve(__dirname, '..');

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { transactions: { type: 'string' }, labels: { type: 'string' }, out: { type: 'string', default: 'models/candidate' }, features: { type: 'string' } },
  });
  if (values.transactions === undefined || values.labels === undefined) {
    throw new Error('usage: npm run train -- --transactions FILE --labels FILE [--out DIR] [--features FILE.csv] [-- extra train.py flags]');
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const features = resolve(values.features ?? join(ROOT, '.cache', 'features.csv'));
  mkdirSync(join(features, '..'), { recursive: true });
  console.log(`[train] replaying ${values.transactions} with labels ${values.labels} -> ${features}`);
  const summary = await buildFeatures(resolve(values.transactions), resolve(values.labels), features);
  console.log(`[train] ${summary.transactions.toLocaleString('en')} rows, ${summary.frauds.toLocaleString('en')} frauds`);
  const python = execFileSync('bash', [join(ROOT, 'models', 'train', 'setup_venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1) ?? 'python3';
  execFileSync(python, [join(ROOT, 'models', 'train', 'train.py'), '--features', features, '--out', out, ...positionals], { stdio: 'inherit' });
  console.log(`[train] model, metadata and model card in ${out}`);
}

main().catch((err: unknown) => {
  console.error(`[train] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
