/**
 * `npm run docs:config` rewrites the README's configuration table from ENV_VARS, the one place
 * variables are defined (a unit test fails when the README misses one).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARS } from '../src/config/config.schema';

const README = join(__dirname, '..', 'README.md');
const HEADER = '| Variable | Default | Meaning |\n|---|---|---|\n';

const rows = Object.entries(ENV_VARS)
  .map(([name, spec]) => `| \`${name}\` | ${spec.default === '' ? '(empty)' : `\`${spec.default}\``} | ${spec.doc.replaceAll('|', '\\|')} |`)
  .join('\n');
const text = readFileSync(README, 'utf8');
const start = text.indexOf(HEADER);
if (start < 0) throw new Error('README.md has no configuration table header');
const end = text.indexOf('\n\n', start);
writeFileSync(README, `${text.slice(0, start)}${HEADER}${rows}${text.slice(end)}`);
