import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLoop } from './http-load';

/** A local server whose answer per request the test picks; it records when each request came. */
async function serve(respond: (n: number, res: ServerResponse) => void): Promise<{ url: string; arrivals: number[]; server: Server }> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      respond(arrivals.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}/v1/decisions`, arrivals, server };
}

/** Answers with a Content-Length, as Fastify does for JSON (the load reads no chunked answers). */
const answer = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
};
const ok = (_: number, res: ServerResponse) => {
  answer(res, 200, '{"decision":"approve"}');
};

describe('the open-loop HTTP load', () => {
  it('spreads the requests over the step instead of sending them in a burst, and times every answer', async () => {
    const { url, arrivals, server } = await serve(ok);
    const before = performance.now();
    const result = await openLoop({ url, rate: 200, seconds: 0.5, connections: 8, body: (i) => JSON.stringify({ i }) });
    server.close();
    expect(result).toMatchObject({ sent: 100, non2xx: 0, errors: 0, timeouts: 0 });
    expect(result.latencyMs.count).toBe(100);
    expect(arrivals).toHaveLength(100);
    // Request i is due at i / rate after the step starts and is never sent earlier: the 50th
    // cannot arrive before 245 ms, the last before 495 ms (a slow machine only adds to these).
    expect((arrivals[49] ?? 0) - before).toBeGreaterThanOrEqual(245);
    expect((arrivals[99] ?? 0) - before).toBeGreaterThanOrEqual(495);
  });

  it('counts answers that are not 2xx', async () => {
    const { url, server } = await serve((n, res) => {
      if (n % 2 === 0) answer(res, 400, '{"code":"VALIDATION_FAILED"}');
      else ok(n, res);
    });
    const result = await openLoop({ url, rate: 100, seconds: 0.2, connections: 4, body: () => '{}' });
    server.close();
    expect(result).toMatchObject({ sent: 20, non2xx: 10, errors: 0 });
  });

  it('ends with the lost requests counted as errors when the server goes away mid-step', async () => {
    const { url, server } = await serve((n, res) => {
      if (n <= 10) ok(n, res);
      else res.socket?.destroy();
    });
    const result = await openLoop({ url, rate: 200, seconds: 0.3, connections: 4, body: () => '{}' });
    server.close();
    expect(result.sent).toBe(60);
    expect(result.latencyMs.count).toBe(10);
    expect(result.errors + result.timeouts).toBe(50);
  });
});
