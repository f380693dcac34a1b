import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FEATURE_NAMES, featureVector } from '../../src/model/feature-catalogue';
import { fraudLabelSchema, transactionSchema, type FraudLabel, type Transaction } from '../../src/transactions/transaction.schema';
import type { Features } from '../../src/velocity/features';
import { DEFAULT_VELOCITY_LIMITS, velocityLimits, VelocityStore } from '../../src/velocity/velocity.store';

/**
 * Builds the training matrix the way the service would have seen it: transactions go through
 * the service's own velocity scripts (real Redis) in the file's order, which is event-time
 * order for a history export, and each label is fed back only once its `reportedAt` has
 * passed, so no row ever sees a label from its future. Rows are `featureVector` output, the
 * very function the live scorer calls.
 */
export const CSV_HEADER = ['transactionId', 'cardId', 'occurredAtMs', 'label', 'scenario', ...FEATURE_NAMES];

/**
 * The simulator adds the fraud scenario to its labels. Other sources may put anything under
 * that name, as under any other extra field: only a non-empty string is read as a scenario.
 */
export const labelLineSchema = fraudLabelSchema.extend({ scenario: z.string().min(1).optional().catch(undefined) });
export type LabelLine = FraudLabel & { scenario?: string | undefined };

/** What is wrong with a feature CSV's header for today's features, or null when it is CSV_HEADER. */
export function featureHeaderProblem(header: readonly string[]): string | null {
  if (header.length === CSV_HEADER.length && header.every((name, i) => name === CSV_HEADER[i])) return null;
  const missing = CSV_HEADER.filter((name) => !header.includes(name));
  const extra = header.filter((name) => !CSV_HEADER.includes(name));
  const problems = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`not a current column: ${extra.join(', ')}`] : []),
  ];
  return problems.length > 0 ? problems.join('; ') : 'the columns are in another order (or repeated)';
}

/** How many bad rows a summary lists by line; the rest are only counted. */
export const LISTED_BAD_ROWS = 5;

export interface BadRow {
  readonly path: string;
  readonly line: number;
  readonly error: string;
}

export interface SkippedRows {
  readonly transactions: number;
  readonly labels: number;
  /** The first LISTED_BAD_ROWS bad rows, labels first (the label file is read first). */
  readonly first: readonly BadRow[];
}

export const formatBadRow = (row: BadRow): string => `${row.path}:${String(row.line)}: ${row.error}`;

/**
 * Rows of either file that are not JSON or break the contract: skipped and counted, until
 * there are more than `max` of them. A file in the wrong format fails within its first
 * `max + 1` lines; scattered bad rows in a long export do not cost the whole replay.
 */
export class BadRows {
  private transactions = 0;
  private labels = 0;
  private readonly first: BadRow[] = [];

  constructor(private readonly max: number) {}

  /** Counts one bad row; throws when that makes more than `max`. */
  add(file: 'transactions' | 'labels', row: BadRow): void {
    if (file === 'transactions') this.transactions += 1;
    else this.labels += 1;
    if (this.first.length < LISTED_BAD_ROWS) this.first.push(row);
    const total = this.transactions + this.labels;
    if (total <= this.max) return;
    // Strict (max 0): the row itself is the message, as a parser would give it.
    if (this.max === 0) throw new Error(formatBadRow(row));
    throw new Error(
      `stopped at ${String(total)} bad rows, over the limit of ${String(this.max)} (--max-bad-rows): ${String(this.labels)} in the labels, ${String(this.transactions)} in the transactions. ` +
        `The first: ${this.first.map(formatBadRow).join(' | ')}`,
    );
  }

  summary(): SkippedRows {
    return { transactions: this.transactions, labels: this.labels, first: [...this.first] };
  }
}

export interface ReplayOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  readonly outPath: string;
  /** An empty Redis database of its own: the replay writes velocity state into it. */
  readonly redis: Redis;
  readonly batchSize?: number;
  /** The delay the delayed label windows assume (the service's LABEL_DELAY_DAYS); default 7. */
  readonly labelDelayDays?: number;
  /** Bad rows skipped before the replay stops; 0 (the default) stops at the first. */
  readonly maxBadRows?: number;
  readonly onProgress?: (done: number) => void;
}

export interface ReplaySummary {
  readonly transactions: number;
  readonly frauds: number;
  readonly labelsApplied: number;
  readonly labelsUnresolved: number;
}

export interface FeatureReplaySummary extends ReplaySummary {
  readonly skipped: SkippedRows;
}

/** Each non-blank line of a JSON-lines file, parsed, with its line number; or why it is not JSON. */
async function* jsonLinesOrErrors(path: string): AsyncGenerator<{ line: number; value: unknown } | { line: number; error: string }> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line, error: 'not valid JSON' };
      continue;
    }
    yield { line, value };
  }
}

export async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  for await (const item of jsonLinesOrErrors(path)) {
    if ('error' in item) throw new Error(`${path}:${String(item.line)}: ${item.error}`);
    yield item;
  }
}

const issuesText = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

export function parseLine<T>(schema: z.ZodType<T>, path: string, line: number, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${path}:${String(line)}: ${issuesText(parsed.error)}`);
  return parsed.data;
}

/** The file's rows that are JSON and match `schema`, in order; every other row goes to `bad`. */
async function* validLines<T>(schema: z.ZodType<T>, path: string, file: 'transactions' | 'labels', bad: BadRows): AsyncGenerator<T> {
  for await (const item of jsonLinesOrErrors(path)) {
    if ('error' in item) {
      bad.add(file, { path, line: item.line, error: item.error });
      continue;
    }
    const parsed = schema.safeParse(item.value);
    if (parsed.success) yield parsed.data;
    else bad.add(file, { path, line: item.line, error: issuesText(parsed.error) });
  }
}

/** A labels file's valid lines in report order; a bad line is counted in `bad` (strict by default: it throws, naming the line). */
export async function readLabels(path: string, bad: BadRows = new BadRows(0)): Promise<LabelLine[]> {
  const labels: LabelLine[] = [];
  for await (const label of validLines(labelLineSchema, path, 'labels', bad)) labels.push(label);
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
  /** The delay the delayed label windows assume (the service's LABEL_DELAY_DAYS); default 7. */
  readonly labelDelayDays?: number;
  /** Where rows that are not JSON or break the contract are counted; default: none allowed. */
  readonly badRows?: BadRows;
  /** Called per batch, in file order, before the next batch (or label) touches Redis. */
  readonly onBatch: (batch: readonly ReplayedTransaction[]) => Promise<void> | void;
  /**
   * Called with the labels released at `atMs` (every label reported at or before it, in report
   * order, those with no known transaction too), after the transactions before `atMs` were
   * handed to onBatch and before any later one is.
   */
  readonly onLabels?: (labels: readonly LabelLine[], atMs: number) => void;
}

/**
 * Replays a labelled history through the service's velocity scripts in the file's order
 * (event time for a history export), feeding each label back once its `reportedAt` has
 * passed. The training matrix and the backtest are both built on it.
 */
export async function replayHistory(options: HistoryOptions): Promise<ReplaySummary> {
  const { redis, batchSize = 500, badRows = new BadRows(0) } = options;
  VelocityStore.install(redis);
  const store = new VelocityStore(velocityLimits(options.labelDelayDays ?? DEFAULT_VELOCITY_LIMITS.labelDelayDays));
  const labels = await readLabels(options.labelsPath, badRows);
  const finalLabel = new Map<string, LabelLine>();
  for (const label of labels) finalLabel.set(label.transactionId, label);
  // Labels that do not carry their transaction's card, merchant and time get them from the replay.
  const subjects = new Map<string, { cardId: string; merchantId: string; occurredAt: string }>();
  const needSubject = new Set(
    labels.filter((l) => l.cardId === undefined || l.merchantId === undefined || l.occurredAt === undefined).map((l) => l.transactionId),
  );

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
    const released: LabelLine[] = [];
    while (nextLabel < labels.length) {
      const label = labels[nextLabel];
      if (label === undefined || Date.parse(label.reportedAt) > until) break;
      nextLabel += 1;
      released.push(label);
      const subject =
        label.cardId !== undefined && label.merchantId !== undefined && label.occurredAt !== undefined
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
    options.onLabels?.(released, until);
  };

  for await (const tx of validLines(transactionSchema, options.transactionsPath, 'transactions', badRows)) {
    await applyLabelsUntil(Date.parse(tx.occurredAt));
    if (needSubject.has(tx.transactionId)) subjects.set(tx.transactionId, { cardId: tx.cardId, merchantId: tx.merchantId, occurredAt: tx.occurredAt });
    batch.push(tx);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { transactions, frauds, labelsApplied, labelsUnresolved };
}

/**
 * Writes the training matrix to `outPath`. The rows go to a `.partial` file renamed into place
 * at the end, so a run that stops leaves no half matrix that `--features-from` would train on.
 */
export async function replayFeatures(options: ReplayOptions): Promise<FeatureReplaySummary> {
  const partial = `${options.outPath}.partial`;
  const out = createWriteStream(partial);
  const badRows = new BadRows(options.maxBadRows ?? 0);
  let done = 0;
  try {
    await write(out, `${CSV_HEADER.join(',')}\n`);
    const summary = await replayHistory({
      ...options,
      badRows,
      onBatch: async (batch) => {
        const rows = batch.map(({ tx, features, label }) => {
          const fraud = label?.fraud === true;
          const row = featureVector(tx, features);
          return [
            csvText(tx.transactionId),
            csvText(tx.cardId),
            String(Date.parse(tx.occurredAt)),
            fraud ? '1' : '0',
            fraud ? csvText(label.scenario ?? 'unknown') : '',
            ...row.map(String),
          ].join(',');
        });
        await write(out, `${rows.join('\n')}\n`);
        done += batch.length;
        options.onProgress?.(done);
      },
    });
    out.end();
    await once(out, 'finish');
    await rename(partial, options.outPath);
    return { ...summary, skipped: badRows.summary() };
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}

/** Ids are written as CSV fields; quote the rare one with a comma or quote in it. */
function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
