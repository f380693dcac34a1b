import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Splits a Kafka byte stream into whole frames (a 4-byte big-endian size, then the frame), for
 * a proxy that must know which request a response answers. Pure: fed chunks, returns frames.
 */
export class KafkaFrames {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) break;
      frames.push(this.buffered.subarray(0, 4 + size));
      this.buffered = this.buffered.subarray(4 + size);
    }
    return frames;
  }
}

/** A request frame's api key and correlation id (request header v1+: key, version, correlation id). */
export const requestHeader = (frame: Buffer) => ({ apiKey: frame.readInt16BE(4), correlationId: frame.readInt32BE(8) });
/** A response frame's correlation id: the first field after the size. */
export const responseCorrelationId = (frame: Buffer) => frame.readInt32BE(4);

/** The Kafka API key of EndTxn, the request that commits or aborts a transaction. */
export const END_TXN = 26;

interface Link {
  readonly client: Socket;
  readonly server: Socket;
}

/**
 * A TCP proxy for fault tests: it forwards a port to a server (Redis, a Kafka broker that
 * advertises the proxy's port) and can stall every connection (stop reading both ways, so
 * bytes wait as they would on a dead network path), cut them all, refuse new ones, and, for
 * Kafka, let a request reach the broker but lose its answer.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private stalled = false;
  private refusing = false;
  /** Set by loseAnswerTo: the api key whose next answer is lost, and what happens then. */
  private trap: { apiKey: number; then: () => void } | null = null;

  private readonly server: Server;
  private listening = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    private readonly kafka: boolean,
  ) {
    this.server = createServer((client) => {
      this.accept(client);
    });
  }

  /** Listens on `listenPort` (0: any free port) and forwards to `target`; `kafka` turns on frame tracking. */
  static async start(target: { host: string; port: number }, options: { listenPort?: number; kafka?: boolean } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, options.kafka ?? false);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.listenPort ?? 0, '127.0.0.1', resolve);
    });
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    proxy.listening = address.port;
    return proxy;
  }

  get port(): number {
    return this.listening;
  }

  /** Stops moving bytes on every connection, open and new, until resume(): a network stall. */
  stall(): void {
    this.stalled = true;
    for (const link of this.links) {
      link.client.pause();
      link.server.pause();
    }
  }

  resume(): void {
    this.stalled = false;
    for (const link of this.links) {
      link.client.resume();
      link.server.resume();
    }
  }

  /** Resets every open connection, as a crashed server or a dropped path would. */
  cutAll(): void {
    for (const link of this.links) {
      link.client.resetAndDestroy();
      link.server.destroy();
    }
    this.links.clear();
  }

  /** While on, new connections are reset at once: the server looks down. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /**
   * The next request with `apiKey` reaches the broker and is applied there, but its answer
   * is lost: the connection is cut in its place and `then` runs (e.g. refusing connections for
   * a while, as a broker that died right after applying it). Kafka proxies only.
   */
  loseAnswerTo(apiKey: number, then: () => void = () => undefined): Promise<void> {
    if (!this.kafka) throw new Error('loseAnswerTo needs a proxy started with kafka: true');
    return new Promise((resolve) => {
      this.trap = {
        apiKey,
        then: () => {
          then();
          resolve();
        },
      };
    });
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const server = connect(this.target.port, this.target.host);
    const link = { client, server };
    this.links.add(link);
    const end = () => {
      if (!this.links.delete(link)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
    if (this.stalled) {
      client.pause();
      server.pause();
    }
    // Bytes move by hand, not by pipe(): pipe resumes a paused source when its destination
    // drains, which would end a stall early.
    if (!this.kafka) {
      client.on('data', (chunk: Buffer) => server.write(chunk));
      server.on('data', (chunk: Buffer) => client.write(chunk));
      return;
    }
    // Kafka: requests are forwarded whole, remembering the correlation ids that the trap
    // wants; the matching response is dropped and the connection cut instead.
    const requests = new KafkaFrames();
    const responses = new KafkaFrames();
    const trapped = new Set<number>();
    client.on('data', (chunk: Buffer) => {
      for (const frame of requests.push(chunk)) {
        const { apiKey, correlationId } = requestHeader(frame);
        if (this.trap?.apiKey === apiKey) trapped.add(correlationId);
        server.write(frame);
      }
    });
    server.on('data', (chunk: Buffer) => {
      for (const frame of responses.push(chunk)) {
        const trap = this.trap;
        if (trap !== null && trapped.has(responseCorrelationId(frame))) {
          this.trap = null;
          client.resetAndDestroy();
          server.destroy();
          trap.then();
          return;
        }
        client.write(frame);
      }
    });
  }
}
