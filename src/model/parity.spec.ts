import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FEATURE_NAMES } from './feature-catalogue';
import { OnnxScorer } from './onnx-scorer';

const MODEL_DIR = join(__dirname, '..', '..', 'models', 'current');

/** Written by models/train/train.py: sample rows of the held-out period and the Python model's scores. */
const paritySchema = z.object({ featureNames: z.array(z.string()), rows: z.array(z.array(z.number())), scores: z.array(z.number()) });

describe('the committed model in onnxruntime-node', () => {
  it('scores like the Python model it was trained as, within 1e-5, on held-out rows', async () => {
    const parity = paritySchema.parse(JSON.parse(readFileSync(join(MODEL_DIR, 'parity.json'), 'utf8')));
    // Every feature the model was trained on is one the service computes.
    expect(parity.featureNames.filter((name) => !(FEATURE_NAMES as string[]).includes(name))).toEqual([]);
    expect(parity.rows.length).toBeGreaterThanOrEqual(100);
    const scorer = await OnnxScorer.load(join(MODEL_DIR, 'model.onnx'), { intraOpThreads: 1, maxRowsPerRun: 64 });
    try {
      const scores = await scorer.score(parity.rows);
      const worst = Math.max(...scores.map((s, i) => Math.abs(s - (parity.scores[i] ?? Number.NaN))));
      expect(worst).toBeLessThanOrEqual(1e-5);
      // The sample spans the score range (frauds and legitimate rows), so agreement means something.
      expect(Math.max(...scores)).toBeGreaterThan(0.5);
      expect(Math.min(...scores)).toBeLessThan(0.1);
    } finally {
      await scorer.retire();
    }
  });
});
