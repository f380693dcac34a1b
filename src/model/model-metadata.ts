import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { FEATURE_NAMES } from './feature-vector';

/** The metadata.json written next to model.onnx by models/train/train.py. Only what serving needs is required. */
export const modelMetadataSchema = z.looseObject({
  modelVersion: z.string().min(1).max(128),
  featureNames: z.array(z.string()),
  input: z.string().min(1),
  output: z.string().min(1),
  probabilityColumn: z.number().int().min(0),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

export const metadataPathFor = (modelPath: string) => join(dirname(modelPath), 'metadata.json');

/**
 * Reads and checks a model's metadata. A model trained on other features than the ones this
 * service computes would score garbage without any error, so it is refused by name here.
 */
export function readModelMetadata(modelPath: string): ModelMetadata {
  const path = metadataPathFor(modelPath);
  const parsed = modelMetadataSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const expected = FEATURE_NAMES.join(',');
  if (parsed.data.featureNames.join(',') !== expected) {
    throw new Error(`${path}: the model's features [${parsed.data.featureNames.join(',')}] are not the service's [${expected}]`);
  }
  return parsed.data;
}
