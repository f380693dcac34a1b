import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FEATURE_NAMES, featureVector } from '../../src/model/feature-vector';
import { fraudLabelSchema, transactionSchema, type FraudLabel, type Transaction } from '../../src/transactions/transaction.schema';
import type { Features } from '../../src/velocity/features';
import { VelocityStore } from '../../src/velocity/velocity.store';

/**
 * Builds the training matrix the way the service would have seen it: transactions go through
 * the service's own velocity scripts (real Redis) in the file's order, which is event-time
 * order for a history export, and each label is fed back only once its `reportedAt` has
 * passed, so no row ever sees a label from its future. Rows are `featureVector` output, the
 * very function the live scorer calls.
 */
export const CSV_HEADER = ['transactionId', 'cardId', 'occurredAtMs', 'label', 'scenario', ...FEATURE_NAMES];

/** The simulator adds the fraud scenario to its labels; other label sources may not. */
const labelLineSchema = fraudLabelSchema.extend({ scenario: z.string().max(64).optional() });
export type LabelLine = FraudLabel & { scenario?: string };

export interface ReplayOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  readonly outPath: string;
  /** An empty Redis database of its own: the replay writes velocity state into it. */
  readonly redis: Redis;
  readonly batchSize?: number;
  readonly onProgress?: (done: number) => void;
}

export interface ReplaySummary {
  readonly transactions: number;
  readonly frauds: number;
  readonly labelsApplied: number;
  readonly labelsUnresolved: number;
}

export async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch {
      throw new Error(`${path}:${String(line)}: not valid JSON`);
    }
  }
}

export function parseLine<T>(schema: z.ZodType<T>, path: string, line: number, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${path}:${String(line)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

async function readLabels(path: string): Promise<LabelLine[]> {
  const labels: LabelLine[] = [];
  for await (const { line, value } of jsonLines(path)) labels.push(parseLine(labelLineSchema, path, line, value));
  // Labels are rare (well under 1% of transactions): holding and sorting them is cheap.
  return labels.sort((a, b) => Date.parse(a.reportedAt) - Date.parse(b.reportedAt));
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export interface ReplayedTransaction {
  readonly tx: Transaction;
  /** The features the service would have computed when the transaction arrived. */
  readonly features: Features;
  /** The transaction's final label, if any (its ground truth; the features never saw it early). */
  readonly label: LabelLine | undefined;
}

export interface HistoryOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  /** An empty Redis database of its own: the replay writes velocity state into it. */
  readonly redis: Redis;
  readonly batchSize?: number;
  /** Called per batch, in file order, before the next batch (or label) touches Redis. */
  readonly onBatch: (batch: readonly ReplayedTransaction[]) => Promise<void> | void;
}

/**
 * Replays a labelled history through the service's velocity scripts in the file's order
 * (event time for a history export), feeding each label back once its `reportedAt` has
 * passed. The training matrix and the backtest are both built on it.
 */
export async function replayHistory(options: HistoryOptions): Promise<ReplaySummary> {
  const { redis, batchSize = 500 } = options;
  VelocityStore.install(redis);
  const store = new VelocityStore();
  const labels = await readLabels(options.labelsPath);
  const finalLabel = new Map<string, LabelLine>();
  for (const label of labels) finalLabel.set(label.transactionId, label);
  // Labels that do not carry their transaction's card, merchant and time get them from the replay.
  const subjects = new Map<string, { cardId: string; merchantId: string; occurredAt: string }>();
  const needSubject = new Set(labels.filter((l) => l.cardId === undefined || l.merchantId === undefined || l.occurredAt === undefined).map((l) => l.transactionId));

  let nextLabel = 0;
  let batch: Transaction[] = [];
  let transactions = 0;
  let frauds = 0;
  let labelsApplied = 0;
  let labelsUnresolved = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const results = await store.runBatch(redis, batch);
    const replayed = batch.map((tx, i): ReplayedTransaction => {
      const result = results[i];
      if (!result) throw new Error('missing velocity result');
      const label = finalLabel.get(tx.transactionId);
      if (label?.fraud === true) frauds += 1;
      return { tx, features: result.features, label };
    });
    transactions += batch.length;
    batch = [];
    await options.onBatch(replayed);
  };

  /** Applies every label reported at or before `until` (ms), after flushing the transactions before it. */
  const applyLabelsUntil = async (until: number) => {
    if (nextLabel >= labels.length || Date.parse(labels[nextLabel]?.reportedAt ?? '') > until) return;
    await flush();
    const pipeline = redis.pipeline();
    let queued = 0;
    while (nextLabel < labels.length) {
      const label = labels[nextLabel];
      if (label === undefined || Date.parse(label.reportedAt) > until) break;
      nextLabel += 1;
      const subject = label.cardId !== undefined && label.merchantId !== undefined && label.occurredAt !== undefined
        ? { cardId: label.cardId, merchantId: label.merchantId, occurredAt: label.occurredAt }
        : subjects.get(label.transactionId);
      if (subject === undefined) {
        labelsUnresolved += 1;
        continue;
      }
      store.queueLabel(pipeline, label.transactionId, subject, label.fraud);
      queued += 1;
      labelsApplied += 1;
    }
    if (queued > 0) {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([err]) => err !== null);
      if (failed?.[0]) throw failed[0];
    }
  };

  for await (const { line, value } of jsonLines(options.transactionsPath)) {
    const tx = parseLine(transactionSchema, options.transactionsPath, line, value);
    await applyLabelsUntil(Date.parse(tx.occurredAt));
    if (needSubject.has(tx.transactionId)) subjects.set(tx.transactionId, { cardId: tx.cardId, merchantId: tx.merchantId, occurredAt: tx.occurredAt });
    batch.push(tx);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { transactions, frauds, labelsApplied, labelsUnresolved };
}

export async function replayFeatures(options: ReplayOptions): Promise<ReplaySummary> {
  const out = createWriteStream(options.outPath);
  await write(out, `${CSV_HEADER.join(',')}\n`);
  let done = 0;
  const summary = await replayHistory({
    ...options,
    onBatch: async (batch) => {
      const rows = batch.map(({ tx, features, label }) => {
        const fraud = label?.fraud === true;
        const row = featureVector(tx, features);
        return [csvText(tx.transactionId), csvText(tx.cardId), String(Date.parse(tx.occurredAt)), fraud ? '1' : '0', fraud ? csvText(label.scenario ?? 'unknown') : '', ...row.map(String)].join(',');
      });
      await write(out, `${rows.join('\n')}\n`);
      done += batch.length;
      options.onProgress?.(done);
    },
  });
  out.end();
  await once(out, 'finish');
  return summary;
}

/** Ids are written as CSV fields; quote the rare one with a comma or quote in it. */
function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
