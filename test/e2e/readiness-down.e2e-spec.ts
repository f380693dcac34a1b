import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { freePort } from '../../scripts/stack/process';
import { startTestApp } from '../support/app';

describe('readiness without Redis', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    // A port nothing listens on: the service must start, stay live, and say it is not ready.
    app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { waitReady: false });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 503 not_ready naming redis, while staying live', async () => {
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { redis: false } });
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
