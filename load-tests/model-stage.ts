/**
 * `npx tsx load-tests/model-stage.ts [models/current/model.onnx]`
 * The model step on its own: how long one onnxruntime-node run holds the event loop per batch
 * size (medians of many runs; `run` is synchronous native code), and the process RSS across
 * repeated hot reloads (load a new session, retire the old one).
 */
import { join } from 'node:path';
import { FEATURE_NAMES } from '../src/model/feature-catalogue';
import { OnnxScorer } from '../src/model/onnx-scorer';

const modelPath = process.argv[2] ?? join(__dirname, '..', 'models', 'current', 'model.onnx');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function randomRows(n: number): number[][] {
  return Array.from({ length: n }, () => FEATURE_NAMES.map((_, i) => Math.fround((i % 7) * Math.random() * 100)));
}

async function main(): Promise<void> {
  console.log(`model ${modelPath}, node ${process.version}`);
  console.log('rows/run  median ms/run  median us/row');
  for (const size of [1, 16, 64, 200, 1000]) {
    const scorer = await OnnxScorer.load(modelPath, { intraOpThreads: 1, maxRowsPerRun: 100_000 });
    const rows = randomRows(size);
    const times: number[] = [];
    for (let i = 0; i < Math.max(20, Math.round(20_000 / size)); i++) {
      const t0 = performance.now();
      await scorer.score(rows);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    console.log(`${String(size).padStart(8)}  ${ms.toFixed(3).padStart(13)}  ${((ms * 1000) / size).toFixed(1).padStart(13)}`);
    await scorer.retire();
  }

  const rss = () => Math.round(process.memoryUsage().rss / 1_048_576);
  let current = await OnnxScorer.load(modelPath, { intraOpThreads: 1, maxRowsPerRun: 64 });
  const before = rss();
  const samples: string[] = [];
  for (let i = 1; i <= 100; i++) {
    const next = await OnnxScorer.load(modelPath, { intraOpThreads: 1, maxRowsPerRun: 64 });
    await current.retire();
    current = next;
    await current.score(randomRows(64));
    if (i % 25 === 0) samples.push(`${String(i)}: ${String(rss())} MB`);
  }
  console.log(`RSS across hot reloads: start ${String(before)} MB; after ${samples.join(', ')}`);
  await current.retire();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
