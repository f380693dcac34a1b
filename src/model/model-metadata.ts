import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { isFeatureName } from './feature-catalogue';

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
 * Reads and checks a model's metadata. A model trained on features this service does not
 * compute would score garbage without any error, so it is refused by name here; the features
 * it does list are built in its own order (see rowBuilder).
 */
export function readModelMetadata(modelPath: string): ModelMetadata {
  const path = metadataPathFor(modelPath);
  const parsed = modelMetadataSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const unknown = parsed.data.featureNames.filter((name) => !isFeatureName(name));
  if (unknown.length > 0 || parsed.data.featureNames.length === 0) {
    throw new Error(`${path}: the model's features [${unknown.join(',')}] are not ones this service computes (see src/model/feature-catalogue.ts)`);
  }
  return parsed.data;
}
