/**
 * `npm run simulate -- --out DIR [--days 120] [--customers 10000] [--seed 42] [--start 2026-01-01]
 *   [--drift [--drift-from YYYY-MM-DD]]`
 *
 * Writes DIR/transactions.jsonl (occurredAt order) and DIR/labels.jsonl (reportedAt order) of a
 * seeded, labelled card-transaction history, for training and evaluating the fraud model.
 * `--drift` adds a fraud pattern the planned scenarios do not have (a charity ring, drift.ts)
 * from `--drift-from` on, by default the first of the last 30 days, which the committed model
 * holds out of training; every other transaction and label is the same as without it.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Simulation } from './generate';
import { parseOptions } from './options';
import { formatSummary } from './summary';

const LINES_PER_WRITE = 2_000;

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(parsed.error);
    process.exitCode = 2;
    return;
  }
  const { options } = parsed;
  const began = performance.now();
  const elapsed = () => `${((performance.now() - began) / 1000).toFixed(1)} s`;

  const sim = new Simulation(options);
  console.error(
    `world: ${sim.world.customers.length.toLocaleString('en')} customers, ${sim.world.merchants.all.length.toLocaleString('en')} merchants (${elapsed()})`,
  );
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

  console.log(formatSummary({ transactions: sim.transactionCount, byScenario: sim.scenarioCounts(), labels, driftFrom: options.driftFrom }));
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
