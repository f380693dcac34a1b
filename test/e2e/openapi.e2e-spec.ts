import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { registeredRoutes } from '../../src/http/routes';
import { openApiPath } from '../../src/http/openapi';
import { startTestApp } from '../support/app';

const documentShape = z.object({
  openapi: z.string(),
  paths: z.record(z.string(), z.record(z.string(), z.object({ operationId: z.string(), responses: z.record(z.string(), z.unknown()) }))),
});

describe('the API document', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp({ KAFKA_CONSUMER_ENABLED: 'true' });
  });
  afterAll(async () => {
    await app.close();
  });

  const served = async () => documentShape.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).json());

  it('is OpenAPI 3.1, served at /openapi.json', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect((await served()).openapi).toBe('3.1.0');
  });

  it('describes every route the service serves, and no route it does not', async () => {
    const documented = Object.entries((await served()).paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = registeredRoutes(app.getHttpAdapter().getInstance()).map((route) => `${route.method} ${openApiPath(route.path)}`);
    expect(routes.length).toBeGreaterThan(15);
    expect([...new Set(routes)].sort()).toEqual([...documented].sort());
  });

  it('gives every operation its success response and the shape of its errors', async () => {
    for (const [path, methods] of Object.entries((await served()).paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const statuses = Object.keys(op.responses);
        expect({ op: `${method} ${path}`, ok: statuses.some((s) => s.startsWith('2')) }).toEqual({ op: `${method} ${path}`, ok: true });
        expect({ op: `${method} ${path}`, internal: statuses.includes('500') }).toEqual({ op: `${method} ${path}`, internal: true });
      }
    }
  });

  it('has a docs page at /docs whose scripts and styles are all served by the service itself', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const url of assets) {
      expect(url.startsWith('/docs/assets/')).toBe(true);
      const asset = await app.inject({ method: 'GET', url });
      expect({ url, status: asset.statusCode, bytes: asset.rawPayload.length > 0 }).toEqual({ url, status: 200, bytes: true });
    }
    const start = await app.inject({ method: 'GET', url: '/docs/assets/docs.js' });
    expect(start.body).toContain("url: '/openapi.json'");
  });

  it('serves no other file from the docs package, nor anything by path', async () => {
    for (const file of ['package.json', '..%2F..%2Fpackage.json', 'index.html']) {
      const res = await app.inject({ method: 'GET', url: `/docs/assets/${file}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });
});
