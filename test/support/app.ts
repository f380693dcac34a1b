import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { waitFor } from '../../scripts/stack/process';
import { createApp } from '../../src/app.factory';
import { testConfig } from './config';
import { testLogSink } from './service-log';

/**
 * Boots the real service (same factory as main.ts) against the private test stack and, unless
 * told not to, waits until /health/ready says every dependency answers.
 */
export async function startTestApp(overrides: Record<string, string> = {}, options: { waitReady?: boolean } = {}): Promise<NestFastifyApplication> {
  const app = await createApp(testConfig(overrides), { logSink: testLogSink });
  await app.listen(0, '127.0.0.1');
  if (options.waitReady ?? true) {
    await waitUntil('service readiness', async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200);
  }
  return app;
}

/** Polls `probe` until it holds; fails naming `what` after `timeoutMs`. */
export const waitUntil = (what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => waitFor(what, probe, timeoutMs);
