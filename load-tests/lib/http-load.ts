import { connect, type Socket } from 'node:net';
import { percentiles, type Percentiles } from './stats';

export interface OpenLoopResult {
  readonly sent: number;
  /** Answers per second over the step, from its first due send to its last answer. */
  readonly achievedRate: number;
  /** From each request's due time to its whole answer, ms. */
  readonly latencyMs: Percentiles;
  readonly non2xx: number;
  /** Answers by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** From due time to answer, of the 2xx answers only (a shed 503 is fast and would flatter the percentiles). */
  readonly okLatencyMs: Percentiles;
  /**
   * Requests lost with their connection (it failed, or answered something that is not HTTP/1.1
   * with a Content-Length), or left with no connection to go on.
   */
  readonly errors: number;
  /** Requests without an answer after TIMEOUT_MS. */
  readonly timeouts: number;
}

const TICK_MS = 1;
const TIMEOUT_MS = 10_000;
const HEADER_END = Buffer.from('\r\n\r\n');

interface Pending {
  readonly due: number;
  readonly body: string;
}

/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, whatever happened
 * to the earlier ones, and its latency counts from that due time, so time spent waiting for a
 * free connection is in the figure (no coordinated omission). autocannon's `overallRate`,
 * used before, is a per-second budget: each connection sends back to back until it has made
 * its share of the second and then waits for the next one, so "1,000/s" was a burst at the
 * service's maximum for part of each second, and its latencies were the burst's.
 *
 * HTTP/1.1 over keep-alive sockets written and read directly: node:http's client cost ~100-230
 * us of CPU per request here, more than the service's share of some steps, on the same cores.
 * One request per connection at a time; an answer ends after its Content-Length.
 */
export async function openLoop(options: {
  url: string;
  rate: number;
  seconds: number;
  connections: number;
  body: (i: number) => string;
}): Promise<OpenLoopResult> {
  const url = new URL(options.url);
  const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: `;
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const okLatencies: number[] = [];
  const statuses: Record<string, number> = {};
  const waiting: Pending[] = [];
  const idle: Conn[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let answered = 0;
  let lastAnswer = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    answered += 1;
    if (answered === total) finish();
  };
  const unsendable = () => {
    errors += 1;
    settle();
  };
  let alive = options.connections;

  class Conn {
    private buffer: Buffer = Buffer.alloc(0);
    private current: Pending | null = null;
    private timer: NodeJS.Timeout | null = null;
    private dead = false;
    constructor(readonly socket: Socket) {
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
        this.read();
      });
      socket.on('error', () => {
        this.fail('error');
      });
      socket.on('close', () => {
        this.fail('error');
      });
    }
    send(p: Pending): void {
      this.current = p;
      this.timer = setTimeout(() => {
        this.fail('timeout');
      }, TIMEOUT_MS);
      this.socket.write(`${head}${String(Buffer.byteLength(p.body))}\r\n\r\n${p.body}`);
    }
    private read(): void {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0 || this.current === null) return;
      const headers = this.buffer.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
      if (!headers.startsWith('HTTP/1.1 ') || length === null) {
        this.fail('error');
        return;
      }
      const size = end + HEADER_END.length + Number(length[1]);
      if (this.buffer.length < size) return;
      const status = Number(headers.slice(9, 12));
      this.buffer = this.buffer.subarray(size);
      const now = performance.now();
      lastAnswer = now;
      latencies.push(now - this.current.due);
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      if (status < 200 || status >= 300) non2xx += 1;
      else okLatencies.push(now - this.current.due);
      this.release();
      const next = waiting.shift();
      if (next !== undefined) this.send(next);
      else idle.push(this);
    }
    /** The request on this connection is over, answered or lost. */
    private release(): void {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.current = null;
      settle();
    }
    private fail(kind: 'error' | 'timeout'): void {
      if (this.dead) return;
      this.dead = true;
      alive -= 1;
      // A broken connection is not reused: the rest run on the others.
      this.socket.removeAllListeners('data');
      this.socket.destroy();
      const idleAt = idle.indexOf(this);
      if (idleAt >= 0) idle.splice(idleAt, 1);
      if (this.current !== null) {
        if (kind === 'timeout') timeouts += 1;
        else errors += 1;
        this.release();
      }
      // With no connection left, what waits would never be sent: each is an error.
      if (alive === 0) {
        const lost = waiting.splice(0).length;
        for (let i = 0; i < lost; i++) unsendable();
      }
    }
  }

  const conns = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => {
            resolve(new Conn(socket));
          });
          socket.once('error', reject);
        }),
    ),
  );
  idle.push(...conns);

  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const p = { due: start + (sent * 1000) / options.rate, body: options.body(sent) };
      const conn = idle.pop();
      if (conn !== undefined) conn.send(p);
      else if (alive > 0) waiting.push(p);
      else unsendable();
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  if (total > 0) await finished;
  for (const conn of conns) conn.socket.destroy();
  return {
    sent,
    achievedRate: latencies.length / ((lastAnswer - start) / 1000),
    latencyMs: percentiles(latencies),
    okLatencyMs: percentiles(okLatencies),
    statuses,
    non2xx,
    errors,
    timeouts,
  };
}
