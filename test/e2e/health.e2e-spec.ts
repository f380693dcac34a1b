import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startTestApp, waitUntil } from '../support/app';

describe('service shell', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp({ KAFKA_CONSUMER_ENABLED: 'true' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('is live as soon as it listens', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('becomes ready once its dependencies answer, and says which ones it checked', async () => {
    await waitUntil('readiness', async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200);
    const body: unknown = (await app.inject({ method: 'GET', url: '/health/ready' })).json();
    expect(body).toEqual({ status: 'ready', checks: { redis: true, state: true, kafka: true, rules: true } });
  });

  it('serves Prometheus metrics: process defaults and the stage latency histogram', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('process_cpu_seconds_total');
    expect(res.body).toContain('# TYPE fraud_stage_duration_seconds histogram');
  });
});
