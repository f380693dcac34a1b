/**
 * `npm run simulate:second -- --out DIR [--days 120] [--customers 10000] [--seed 7] [--start 2026-01-01]`
 *
 * Writes DIR/transactions.jsonl (occurredAt order) and DIR/labels.jsonl (reportedAt order) of a
 * second, independently designed labelled card history (README.md beside this file). Progress
 * and the summary go to stderr.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { formatSummary } from './summary';
import { writeHistory } from './write';

const optionsSchema = z.object({
  out: z.string().min(1, '--out DIR is required'),
  days: z.coerce.number().int().min(1).max(3650),
  customers: z.coerce.number().int().min(1).max(1_000_000),
  seed: z.coerce.number().int().min(0).max(0xffffffff),
  start: z.iso.date(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '' },
      days: { type: 'string', default: '120' },
      customers: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '7' },
      start: { type: 'string', default: '2026-01-01' },
    },
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(z.prettifyError(parsed.error));
    process.exitCode = 2;
    return;
  }
  const options = parsed.data;
  const began = performance.now();
  const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s`;
  const summary = await writeHistory(
    { seed: options.seed, customers: options.customers, days: options.days, start: Date.parse(`${options.start}T00:00:00Z`) },
    options.out,
    (line) => {
      console.error(`${line} (${elapsed()})`);
    },
  );
  console.error('');
  console.error(formatSummary(summary));
  for (const file of ['transactions.jsonl', 'labels.jsonl']) {
    const path = join(options.out, file);
    console.error(`${path}  ${(statSync(path).size / 1e6).toFixed(1)} MB`);
  }
  console.error(`wall time ${elapsed()}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
