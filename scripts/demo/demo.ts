/**
 * `npm run demo`: the Kafka path end to end on this machine. Starts the local stack (or uses
 * the Kafka and Redis that KAFKA_BROKERS / REDIS_URL name), runs the built service as its own
 * process, produces a stream of card transactions to `transactions` (everyday spending plus a
 * few attacks), and prints every decision as it is read back from `decisions`.
 *
 *   npm run demo -- --seconds 20 --rate 40
 */
import '../../src/stream/send-messages';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import '../../src/stream/read-committed';
import { parseConfig } from '../../src/config/config';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startServiceProcess, type ServiceProcess } from '../service-process';
import { up } from '../stack/stack';
import { cycle } from '../../load-tests/lib/transactions';

const ROOT = resolve(__dirname, '..', '..');
const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, rate: { type: 'string', default: '40' } } });
const seconds = Number(args.seconds);
const rate = Number(args.rate);
if (!(seconds > 0 && rate > 0)) throw new Error('--seconds and --rate must be positive numbers');

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const OUTCOME = { approve: (s: string) => color(32, s), review: (s: string) => color(33, s), deny: (s: string) => color(31, s) };

const CITIES = [
  { name: 'Paris', lat: 48.86, lon: 2.35 },
  { name: 'Berlin', lat: 52.52, lon: 13.4 },
  { name: 'Madrid', lat: 40.42, lon: -3.7 },
  { name: 'Milan', lat: 45.46, lon: 9.19 },
];
const SINGAPORE = { lat: 1.35, lon: 103.82 };

interface Card {
  readonly id: string;
  readonly city: (typeof CITIES)[number];
  readonly typical: number;
  readonly device: string;
}

const run = randomUUID().slice(0, 6);
const cards: Card[] = Array.from({ length: 3000 }, (_, i) => ({
  id: `demo-${run}-card-${String(i).padStart(4, '0')}`,
  city: cycle(CITIES, i),
  typical: 15 + ((i * 37) % 60),
  device: `device-${run}-${i}`,
}));
const merchants = Array.from({ length: 400 }, (_, i) => `demo-merchant-${String(i).padStart(3, '0')}`);

/** Each merchant has one category, as in the data the model was trained on (it always had one). */
const CATEGORIES = ['5411', '5812', '5541', '5999'];

function everyday(card: Card, when: Date): Transaction {
  const merchant = Math.floor(Math.random() * merchants.length);
  return {
    transactionId: `demo-${randomUUID()}`,
    occurredAt: when.toISOString(),
    cardId: card.id,
    merchantId: cycle(merchants, merchant),
    amount: Math.round(card.typical * (0.5 + Math.random()) * 100) / 100,
    currency: 'EUR',
    channel: 'card_present',
    merchantCategory: cycle(CATEGORIES, merchant),
    deviceId: card.device,
    location: { lat: card.city.lat + (Math.random() - 0.5) / 10, lon: card.city.lon + (Math.random() - 0.5) / 10 },
    country: 'FR',
  };
}

/** The attacks, each at a second of the run, on a card that has some history by then. */
function attacks(second: number, when: Date): { label: string; txs: Transaction[] }[] {
  const pick = (i: number) => cycle(cards, i);
  const out: { label: string; txs: Transaction[] }[] = [];
  if (second === Math.floor(seconds * 0.4)) {
    const card = pick(3);
    out.push({
      label: `card testing: 12 small amounts on ${card.id} within a few seconds`,
      txs: Array.from({ length: 12 }, (_, i) => ({
        ...everyday(card, new Date(when.getTime() + i * 200)),
        amount: 1 + i / 100,
        channel: 'ecommerce' as const,
      })),
    });
  }
  if (second === Math.floor(seconds * 0.6)) {
    const card = pick(7);
    out.push({ label: `amount far above habit on ${card.id}`, txs: [{ ...everyday(card, when), amount: card.typical * 9 }] });
  }
  if (second === Math.floor(seconds * 0.75)) {
    const card = pick(11);
    out.push({
      label: `impossible travel: ${card.id} in Singapore minutes after ${card.city.name}`,
      txs: [{ ...everyday(card, when), location: SINGAPORE, country: 'SG' }],
    });
  }
  if (second === Math.floor(seconds * 0.9)) {
    const card = pick(13);
    out.push({
      label: `account takeover: new device spending 900 EUR on ${card.id}`,
      txs: [{ ...everyday(card, when), amount: 900, deviceId: `unknown-${randomUUID()}`, channel: 'ecommerce' }],
    });
  }
  return out;
}

/**
 * Everyday traffic takes the cards in a shuffled round: at 40 a second each of the 3,000 cards
 * pays once every 75 s. Picking at random gave some cards three card-present payments within
 * ten seconds, kilometres apart, and the model rightly denied those (all 13 of the "ordinary"
 * denies in a run were such thirds).
 */
const rounds = { order: [] as Card[], next: 0 };
function nextCard(): Card {
  if (rounds.next >= rounds.order.length) {
    // Fisher-Yates: every order equally likely.
    const order = [...cards];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [cycle(order, j), cycle(order, i)];
    }
    rounds.order = order;
    rounds.next = 0;
  }
  const card = cycle(rounds.order, rounds.next);
  rounds.next += 1;
  return card;
}

/** The service this demo started, stopped on the way out whatever happens. */
let running: ServiceProcess | undefined;

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const { topics } = config.kafka;
  console.log('== stack');
  await up(config);

  console.log('== service');
  mkdirSync(join(ROOT, '.stack'), { recursive: true });
  const logFile = join(ROOT, '.stack', 'demo-service.log');
  const port = config.http.port === 0 ? 8080 : config.http.port;
  const service = await startServiceProcess({ distDir: join(ROOT, 'dist'), env: { PORT: String(port), KAFKA_CONSUMER_ENABLED: 'true' }, logFile });
  running = service;
  console.log(`service pid ${service.pid} ready at ${service.baseUrl} (log: ${logFile}; metrics: ${service.baseUrl}/metrics)`);

  const kafka = new Kafka({ clientId: 'fraud-demo', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const reader = kafka.consumer({ groupId: `fraud-demo-${run}`, readUncommitted: false });
  await producer.connect();
  await reader.connect();
  await reader.subscribe({ topic: topics.decisions, fromBeginning: false });

  const sent = new Map<string, { tx: Transaction; at: number }>();
  const decidedIds = new Set<string>();
  let quietIds = new Set<string>();
  const counts = { approve: 0, review: 0, deny: 0 };
  const endToEnd: number[] = [];
  const joined = new Promise<void>((resolve) => {
    reader.on(reader.events.GROUP_JOIN, () => {
      resolve();
    });
  });
  await reader.run({
    eachMessage: ({ message }) => {
      const parsed = decisionSchema.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
      if (!parsed.success) return Promise.resolve();
      const d: Decision = parsed.data;
      const origin = sent.get(d.transactionId);
      if (origin === undefined || decidedIds.has(d.transactionId)) return Promise.resolve(); // not this run's
      decidedIds.add(d.transactionId);
      if (quietIds.has(d.transactionId)) return Promise.resolve();
      counts[d.decision] += 1;
      endToEnd.push(Number(message.timestamp) - origin.at);
      const reasons = d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
      const line = `${origin.tx.occurredAt.slice(11, 23)}  ${origin.tx.cardId.slice(-9)}  ${origin.tx.amount.toFixed(2).padStart(8)} ${origin.tx.currency}  ${OUTCOME[d.decision](d.decision.toUpperCase().padEnd(7))}  ${reasons}`;
      console.log(line);
      return Promise.resolve();
    },
  });
  await joined;

  const send = async (txs: Transaction[]) => {
    const messages: Message[] = txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) }));
    const at = Date.now();
    for (const tx of txs) sent.set(tx.transactionId, { tx, at });
    // Chunks keep each produce request under the broker's message size limit.
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: topics.transactions, messages: messages.slice(i, i + 500) });
  };
  // A month of quiet history per card, so averages and first-seen devices mean something.
  const history = cards.flatMap((card) =>
    Array.from({ length: 8 }, (_, i) => everyday(card, new Date(Date.now() - (i + 1) * 3 * 86_400_000 - Math.random() * 3_600_000))),
  );
  history.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const quiet = new Set(history.map((tx) => tx.transactionId));
  quietIds = quiet;
  console.log(`== seeding ${history.length} backdated transactions (30 days of history for ${cards.length} cards)`);
  await send(history);
  const seeded = Date.now() + 30_000;
  while (decidedIds.size < quiet.size && Date.now() < seeded) await new Promise((resolve) => setTimeout(resolve, 100));

  console.log(`== producing ${rate} tx/s for ${seconds} s to '${topics.transactions}'; decisions from '${topics.decisions}'`);
  let dlqSent = 0;
  for (let second = 0; second < seconds; second++) {
    const tick = Date.now();
    for (const attack of attacks(second, new Date())) {
      console.log(color(36, `-- attack: ${attack.label}`));
      await send(attack.txs);
    }
    if (second === Math.floor(seconds / 2)) {
      // A message no transaction parser should accept: it lands on the DLQ, the stream goes on.
      await producer.send({ topic: topics.transactions, messages: [{ key: 'broken', value: '{"transactionId": "oops", "amount": "twelve"' }] });
      dlqSent += 1;
    }
    for (let i = 0; i < 10; i++) {
      const slice = Array.from({ length: Math.round(rate / 10) }, () => everyday(nextCard(), new Date()));
      await send(slice);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick + (i + 1) * 100 - Date.now())));
    }
  }

  const waitUntil = Date.now() + 15_000;
  while (decidedIds.size < sent.size && Date.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 200));
  await reader.disconnect();
  await producer.disconnect();
  const code = await service.stop();

  endToEnd.sort((a, b) => a - b);
  const pct = (p: number) => endToEnd[Math.min(endToEnd.length - 1, Math.floor((endToEnd.length * p) / 100))] ?? NaN;
  const decided = counts.approve + counts.review + counts.deny;
  const live = sent.size - quiet.size;
  console.log('== summary');
  console.log(`produced ${live} live transactions and ${dlqSent} malformed message (see '${topics.dlq}'); read ${decided} decisions`);
  console.log(`approve ${counts.approve}, review ${counts.review}, deny ${counts.deny}`);
  console.log(`produce-to-decision latency (Kafka timestamps): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${endToEnd.at(-1) ?? NaN} ms`);
  console.log(
    `service stopped (${typeof code === 'number' ? `exit code ${String(code)}` : code}); the stack keeps running: \`npm run stack:status\`, \`npm run stack:down\``,
  );
  if (decidedIds.size < sent.size) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  await running?.stop();
  process.exit(1);
});
