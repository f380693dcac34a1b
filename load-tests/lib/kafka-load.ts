import '../../src/stream/send-messages';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import '../../src/stream/read-committed';
import type { Transaction } from '../../src/transactions/transaction.schema';
import { sleep } from '../../scripts/stack/process';
import { percentiles, type Percentiles } from './stats';

export const kafkaOf = (brokers: readonly string[]) => new Kafka({ clientId: 'bench', brokers: [...brokers], logLevel: logLevel.NOTHING });

const toMessage = (tx: Transaction) => ({ key: tx.cardId, value: JSON.stringify(tx) });

/** Writes `txs` to `topic` as fast as the broker takes them (the replay's backlog). */
export async function preload(kafka: Kafka, topic: string, txs: readonly Transaction[], progress: (done: number) => void): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const chunk = 2000;
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < txs.length; i += chunk) {
      inFlight.push(producer.send({ topic, acks: 1, messages: txs.slice(i, i + chunk).map(toMessage) }));
      if (inFlight.length >= 8) await inFlight.shift();
      if ((i / chunk) % 25 === 0) progress(i);
    }
    await Promise.all(inFlight);
    progress(txs.length);
  } finally {
    await producer.disconnect();
  }
}

/** Committed offsets of `groupId` on `topic`, summed over partitions, against the topic's end. */
export async function groupProgress(admin: Admin, groupId: string, topic: string): Promise<{ committed: number; end: number }> {
  const [offsets, ends] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
  const committed = (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
  return { committed, end };
}

export interface StepResult {
  readonly targetRate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly achievedRate: number;
  readonly decided: number;
  /** From the input message's send time to a read_committed reader seeing the decision, ms. */
  readonly endToEndMs: Percentiles;
  /** The service's own latencyMs (arrival at the service to decision). */
  readonly serviceMs: Percentiles;
  /** Transactions sent but not yet decided when the step's sending stopped. */
  readonly lagAtEnd: number;
  /** How long the rest took to arrive after sending stopped, ms. */
  readonly drainMs: number;
  readonly keptUp: boolean;
}

/**
 * Sends at a fixed rate (in 10 ms ticks) and follows the decisions topic with a read_committed
 * reader, the way a payment switch waiting for an answer would see them.
 */
export class SteadyLoad {
  private readonly sentAt = new Map<string, number>();
  private endToEnd: number[] = [];
  private service: number[] = [];
  private decided = 0;

  private constructor(
    private readonly producer: Producer,
    private readonly reader: Consumer,
  ) {}

  static async start(kafka: Kafka, decisionsTopic: string): Promise<SteadyLoad> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const reader = kafka.consumer({ groupId: `bench-reader-${String(Date.now())}`, readUncommitted: false, maxWaitTimeInMs: 50, minBytes: 1 });
    const load = new SteadyLoad(producer, reader);
    await producer.connect();
    await reader.connect();
    await reader.subscribe({ topic: decisionsTopic, fromBeginning: false });
    // The reader starts at the end: nothing is sent before it has its assignment. run() only
    // resolves after the join, so the listener goes on first.
    const joined = new Promise<void>((resolve) =>
      reader.on(reader.events.GROUP_JOIN, () => {
        resolve();
      }),
    );
    await reader.run({
      eachBatch: ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const id = m.key?.toString() ?? '';
          const sent = load.sentAt.get(id);
          if (sent === undefined) continue;
          load.sentAt.delete(id);
          load.decided += 1;
          load.endToEnd.push(now - sent);
          const latency = (JSON.parse(m.value?.toString() ?? '{}') as { latencyMs?: number }).latencyMs;
          if (typeof latency === 'number') load.service.push(latency);
        }
        return Promise.resolve();
      },
    });
    await joined;
    return load;
  }

  async step(topic: string, txs: readonly Transaction[], rate: number, seconds: number, onTick: (sent: number, decided: number) => void): Promise<StepResult> {
    this.endToEnd = [];
    this.service = [];
    this.decided = 0;
    const total = Math.min(txs.length, Math.round(rate * seconds));
    const started = Date.now();
    let sent = 0;
    const pending: Promise<unknown>[] = [];
    let lastReport = started;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
      if (due > sent) {
        const now = Date.now();
        const slice = txs.slice(sent, due);
        for (const tx of slice) this.sentAt.set(tx.transactionId, now);
        // A generator that fell behind owes many messages at once; one request stays under
        // the broker's message size limit.
        for (let i = 0; i < slice.length; i += 500) pending.push(this.producer.send({ topic, acks: 1, messages: slice.slice(i, i + 500).map(toMessage) }));
        sent = due;
        if (pending.length > 50) await Promise.all(pending.splice(0));
      }
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        onTick(sent, this.decided);
      }
      await sleep(10);
    }
    await Promise.all(pending);
    const sendSeconds = (Date.now() - started) / 1000;
    const lagAtEnd = sent - this.decided;
    const drainStart = Date.now();
    while (this.decided < sent && Date.now() - drainStart < 120_000) await sleep(20);
    const drainMs = Date.now() - drainStart;
    return {
      targetRate: rate,
      seconds: sendSeconds,
      sent,
      achievedRate: sent / sendSeconds,
      decided: this.decided,
      endToEndMs: percentiles(this.endToEnd),
      serviceMs: percentiles(this.service),
      lagAtEnd,
      drainMs,
      // Kept up: the backlog when sending stopped was under half a second of traffic.
      keptUp: this.decided === sent && lagAtEnd <= rate / 2,
    };
  }

  async stop(): Promise<void> {
    await this.reader.disconnect();
    await this.producer.disconnect();
  }
}
