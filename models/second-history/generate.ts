/**
 * `npm run simulate:second -- --out DIR [--days 120] [--customers 10000] [--seed 7] [--start 2026-01-01] [--drift [--drift-from YYYY-MM-DD]]`
 *
 * Writes DIR/transactions.jsonl (occurredAt order) and DIR/labels.jsonl (reportedAt order) of a
 * second, independently designed labelled card history (README.md beside this file). Progress
 * and the summary go to stderr.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseOptions } from './options';
import { formatSummary } from './summary';
import { writeHistory } from './write';

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(parsed.error);
    process.exitCode = 2;
    return;
  }
  const { out, history } = parsed.options;
  const began = performance.now();
  const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s`;
  const summary = await writeHistory(history, out, (line) => {
    console.error(`${line} (${elapsed()})`);
  });
  console.error('');
  console.error(formatSummary(summary));
  for (const file of ['transactions.jsonl', 'labels.jsonl']) {
    const path = join(out, file);
    console.error(`${path}  ${(statSync(path).size / 1e6).toFixed(1)} MB`);
  }
  console.error(`wall time ${elapsed()}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
