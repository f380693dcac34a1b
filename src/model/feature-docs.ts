import { CATALOGUE, FEATURE_NAMES } from './feature-catalogue';

/** The README's feature table starts with this (see scripts/readme-config.ts). */
export const FEATURE_TABLE_HEADER = '| Feature | Meaning |\n|---|---|\n';

/** The README's feature table rows, one per catalogue entry, in its order. */
export const featureTable = (): string => FEATURE_NAMES.map((name) => `| \`${name}\` | ${CATALOGUE[name].meaning.replaceAll('|', '\\|')} |`).join('\n');

/** What train.py writes into a model card, by feature name. */
export const featureMeanings = (): Record<string, string> => Object.fromEntries(FEATURE_NAMES.map((name) => [name, CATALOGUE[name].meaning]));
