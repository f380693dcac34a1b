import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors';
import { LoopDelay } from './loop-delay';

const arrivals = new WeakMap<IncomingMessage, number>();

/**
 * Stamps each request with performance.now() as Fastify first sees it, before the body is read
 * and parsed: the HTTP budget counts from here, so time spent queueing in the server counts too.
 * With `shedLoopDelayMs` > 0, a decision request that arrives while the event loop runs that far
 * behind is shed here, with 503 OVERLOADED and Retry-After, before its body is read: past
 * saturation the in-flight bound alone sheds too late, after each request has cost its parse.
 */
export function stampArrivals(
  fastify: FastifyInstance,
  options: { shedLoopDelayMs: number; onShed: () => void } = { shedLoopDelayMs: 0, onShed: () => undefined },
): void {
  const delay = options.shedLoopDelayMs > 0 ? LoopDelay.get() : null;
  const overloaded = new ApiError('OVERLOADED').toBody();
  fastify.addHook('onRequest', (request, reply, done) => {
    arrivals.set(request.raw, performance.now());
    if (delay !== null && request.method === 'POST' && request.url.startsWith('/v1/decisions') && delay.ms > options.shedLoopDelayMs) {
      options.onShed();
      void reply.code(503).header('retry-after', '1').send(overloaded);
      return;
    }
    done();
  });
}

export const arrivalOf = (raw: IncomingMessage): number => arrivals.get(raw) ?? performance.now();
