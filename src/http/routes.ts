import type { FastifyInstance } from 'fastify';
import { ApiError, type ErrorCode } from './errors';

export interface RegisteredRoute {
  readonly method: string;
  /** As registered: `:name` for a path parameter. */
  readonly path: string;
}

const registry = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** The methods some route accepts at `path` (HEAD with GET, as Fastify exposes it); empty when no route has this path. */
export function allowedMethods(routes: readonly RegisteredRoute[], path: string): string[] {
  const segments = path.split('/');
  const methods = new Set<string>();
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length === segments.length && pattern.every((part, i) => (part.startsWith(':') ? (segments[i] ?? '') !== '' : part === segments[i]))) {
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD');
    }
  }
  return [...methods].sort();
}

/**
 * Records every route Fastify registers (what the OpenAPI test holds the document to) and
 * answers a known path asked with a method it does not take with 405 METHOD_NOT_ALLOWED and
 * `Allow` (RFC 9110), before the body is read, instead of 404 or a body parse error.
 */
export function guardRoutes(fastify: FastifyInstance, onRejected: (code: ErrorCode) => void): void {
  const routes: RegisteredRoute[] = [];
  registry.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, path: route.url });
  });
  const refusal = new ApiError('METHOD_NOT_ALLOWED');
  fastify.addHook('onRequest', (request, reply, done) => {
    const allowed = request.is404 ? allowedMethods(routes, request.url.split('?')[0] ?? '') : [];
    if (allowed.length === 0 || allowed.includes(request.method)) {
      done();
      return;
    }
    onRejected('METHOD_NOT_ALLOWED');
    void reply.code(refusal.status).header('allow', allowed.join(', ')).send(refusal.toBody());
  });
}

export const registeredRoutes = (fastify: FastifyInstance): readonly RegisteredRoute[] => registry.get(fastify) ?? [];
