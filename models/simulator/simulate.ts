/**
 * `npm run simulate -- --out DIR [--days 120] [--customers 10000] [--seed 42] [--start 2026-01-01]`
 *
 * Writes DIR/transactions.jsonl (occurredAt order) and DIR/labels.jsonl (reportedAt order) of a
 * seeded, labelled card-transaction history, for training and evaluating the fraud model.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Simulation } from './generate';
import { formatSummary } from './summary';

const optionsSchema = z.object({
  out: z.string().min(1, '--out DIR is required'),
  days: z.coerce.number().int().min(1).max(3650),
  customers: z.coerce.number().int().min(1).max(1_000_000),
  seed: z.coerce.number().int().min(0).max(0xffffffff),
  start: z.iso.date(),
});

const LINES_PER_WRITE = 2_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '' },
      days: { type: 'string', default: '120' },
      customers: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
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
  const elapsed = () => `${((performance.now() - began) / 1000).toFixed(1)} s`;

  const sim = new Simulation({ seed: options.seed, customers: options.customers, days: options.days, start: Date.parse(`${options.start}T00:00:00Z`) });
  console.error(`world: ${sim.world.customers.length.toLocaleString('en')} customers, ${sim.world.merchants.all.length.toLocaleString('en')} merchants (${elapsed()})`);
  mkdirSync(options.out, { recursive: true });
  const transactionsPath = join(options.out, 'transactions.jsonl');
  const labelsPath = join(options.out, 'labels.jsonl');

  const transactions = createWriteStream(transactionsPath);
  const every = Math.max(1, Math.round(options.days / 12));
  for (const batch of sim.days()) {
    await writeLines(transactions, batch.transactions);
    if ((batch.day + 1) % every === 0 || batch.day + 1 === options.days) {
      console.error(`day ${batch.day + 1}/${options.days}: ${sim.transactionCount.toLocaleString('en')} transactions (${elapsed()})`);
    }
  }
  await close(transactions);
  const labels = sim.labels();
  const labelsOut = createWriteStream(labelsPath);
  await writeLines(labelsOut, labels);
  await close(labelsOut);

  console.log(formatSummary({ transactions: sim.transactionCount, byScenario: sim.scenarioCounts(), labels }));
  console.log('');
  console.log(`${transactionsPath}  ${mb(statSync(transactionsPath).size)}`);
  console.log(`${labelsPath}  ${mb(statSync(labelsPath).size)}`);
  console.log(`wall time     ${elapsed()}`);
}

async function writeLines(stream: WriteStream, items: readonly unknown[]): Promise<void> {
  for (let i = 0; i < items.length; i += LINES_PER_WRITE) {
    const text = items
      .slice(i, i + LINES_PER_WRITE)
      .map((item) => `${JSON.stringify(item)}\n`)
      .join('');
    if (!stream.write(text)) await once(stream, 'drain');
  }
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
