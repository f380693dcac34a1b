/**
 * Streams a history to DIR/transactions.jsonl (one day at a time, in occurredAt order) and then
 * DIR/labels.jsonl (reportedAt order), and returns its summary.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { DAY_MS } from './calendar';
import { SecondHistory, type HistoryOptions } from './history';
import { labelLine, transactionLine } from './output';
import { summarise, type Summary } from './summary';

const LINES_PER_WRITE = 4_000;

export async function writeHistory(options: HistoryOptions, dir: string, progress: (line: string) => void): Promise<Summary> {
  const history = new SecondHistory(options);
  progress(`world: ${history.world.customers.length.toLocaleString('en')} customers, ${history.world.merchants.all.length.toLocaleString('en')} merchants`);
  mkdirSync(dir, { recursive: true });
  const transactions = createWriteStream(join(dir, 'transactions.jsonl'));
  const every = Math.max(1, Math.round(options.days / 12));
  let zeroAmount = 0;
  for (const batch of history.run()) {
    const lines: string[] = [];
    for (const txn of batch.transactions) {
      if (txn.amount === 0) zeroAmount += 1;
      lines.push(transactionLine(txn));
    }
    await writeLines(transactions, lines);
    if ((batch.day + 1) % every === 0 || batch.day + 1 === options.days) {
      progress(`day ${batch.day + 1}/${options.days}: ${history.transactionCount.toLocaleString('en')} transactions`);
    }
  }
  await close(transactions);

  const labels = history.labels();
  const labelsOut = createWriteStream(join(dir, 'labels.jsonl'));
  await writeLines(labelsOut, labels.map(labelLine));
  await close(labelsOut);
  return summarise(history.transactionCount, zeroAmount, history.frauds(), labels, options.start + options.days * DAY_MS, history.driftReport());
}

async function writeLines(stream: WriteStream, lines: readonly string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += LINES_PER_WRITE) {
    const text = `${lines.slice(i, i + LINES_PER_WRITE).join('\n')}\n`;
    if (!stream.write(text)) await once(stream, 'drain');
  }
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await finished(stream);
}
