import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

const arrivals = new WeakMap<IncomingMessage, number>();

/**
 * Stamps each request with performance.now() as Fastify first sees it, before the body is read
 * and parsed: the HTTP budget counts from here, so time spent queueing in the server counts too.
 */
export function stampArrivals(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    arrivals.set(request.raw, performance.now());
    done();
  });
}

export const arrivalOf = (raw: IncomingMessage): number => arrivals.get(raw) ?? performance.now();
