/**
 * `npm run docs:config` rewrites what the README and the trainer say from the places things
 * are defined: the configuration table from ENV_VARS, the feature table (README) and
 * models/train/feature_meanings.json (train.py's model card) from the feature catalogue, and
 * the detection tables from the committed `npm run evaluate` results (models/evaluation/), in
 * the README and at the end of the committed model card, and the performance figures in the
 * README and load-tests/README.md from the committed `npm run bench` results (load-tests/results/).
 * Unit tests fail when any of them is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARS } from '../src/config/config.schema';
import { detectionTables, modelCardSection, withModelCardSection } from '../models/evaluate/readme-tables';
import { featureMeanings, featureTable, FEATURE_TABLE_HEADER } from '../src/model/feature-docs';
import { committedFigures, withFigures } from '../load-tests/lib/readme-figures';

const README = join(__dirname, '..', 'README.md');
const LOAD_TESTS_README = join(__dirname, '..', 'load-tests', 'README.md');
const CAPACITY = join(__dirname, '..', 'load-tests', 'CAPACITY.md');
const MEANINGS = join(__dirname, '..', 'models', 'train', 'feature_meanings.json');
const MODEL_CARD = join(__dirname, '..', 'models', 'current', 'MODEL_CARD.md');
const CONFIG_HEADER = '| Variable | Default | Meaning |\n|---|---|---|\n';

/** Replaces the table that starts with `header` (up to the next blank line) with `rows`. */
function replaceTable(text: string, header: string, rows: string): string {
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`README.md has no table starting ${JSON.stringify(header.split('\n')[0])}`);
  const end = text.indexOf('\n\n', start);
  return `${text.slice(0, start)}${header}${rows}${text.slice(end)}`;
}

const configRows = Object.entries(ENV_VARS)
  .map(([name, spec]) => `| \`${name}\` | ${spec.default === '' ? '(empty)' : `\`${spec.default}\``} | ${spec.doc.replaceAll('|', '\\|')} |`)
  .join('\n');
let text = readFileSync(README, 'utf8');
text = replaceTable(text, CONFIG_HEADER, configRows);
text = replaceTable(text, FEATURE_TABLE_HEADER, featureTable());
for (const { header, rows } of Object.values(detectionTables())) text = replaceTable(text, header, rows);
const figures = committedFigures();
text = withFigures(text, figures.blocks.readme);
writeFileSync(README, text);
writeFileSync(LOAD_TESTS_README, withFigures(readFileSync(LOAD_TESTS_README, 'utf8'), figures.blocks.loadTests));
writeFileSync(CAPACITY, withFigures(readFileSync(CAPACITY, 'utf8'), figures.blocks.capacity));
// Not removed here: a run just made may be one to look at before it goes (git rm; history keeps it).
for (const file of figures.uncited) console.log(`load-tests/results/${file}: cited by no README, git rm it`);
writeFileSync(MODEL_CARD, withModelCardSection(readFileSync(MODEL_CARD, 'utf8'), modelCardSection()));
writeFileSync(MEANINGS, `${JSON.stringify(featureMeanings(), null, 2)}\n`);
