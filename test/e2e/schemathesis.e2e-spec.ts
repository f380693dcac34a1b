import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { OPERATIONS } from '../../src/http/openapi';
import { startTestApp } from '../support/app';
import { testConfig } from '../support/config';

const ROOT = resolve(__dirname, '../..');
const ADMIN_KEY = 'fuzz-admin-key-0123456789abcdef';
const SCORING_KEY = 'fuzz-scoring-key-0123456789abcdef';
const REVIEW_KEY = 'fuzz-review-key-0123456789abcdef';
// A database of its own: the fuzz creates rule versions and overrides and resets the online model.
const DB = 13;

/** Schemathesis's CLI in the project's Python environment (models/train/setup_venv.sh pins it). */
function schemathesis(): string {
  const venv = spawnSync('bash', [resolve(ROOT, 'models/train/setup_venv.sh')], { encoding: 'utf8' });
  if (venv.status !== 0) throw new Error(`setup_venv.sh failed: ${venv.stderr}`);
  return resolve(venv.stdout.trim(), '../st');
}

/** Runs beside the service, which lives in this process: a blocking spawn would stall it. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      done({ code, output });
    });
  });
}

describe('Schemathesis, an outside fuzzer, finds nothing the API document does not allow', () => {
  const url = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const redis = new Redis(url);
    await redis.flushdb();
    redis.disconnect();
    app = await startTestApp({
      REDIS_URL: url,
      ADMIN_API_KEYS: ADMIN_KEY,
      SCORING_API_KEYS: SCORING_KEY,
      REVIEW_API_KEYS: `fuzzer:${REVIEW_KEY}`,
      ONLINE_MODEL: 'shadow',
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('passes its default checks on every operation, scoring, review and admin endpoints with their keys', async () => {
    const { port } = z.object({ port: z.number() }).parse(app.getHttpServer().address());
    const config = resolve(ROOT, 'test/fuzz/schemathesis.toml');
    const result = await run(schemathesis(), ['--config-file', config, 'run', `http://127.0.0.1:${String(port)}/openapi.json`, '--no-color'], {
      FUZZ_ADMIN_KEY: ADMIN_KEY,
      FUZZ_SCORING_KEY: SCORING_KEY,
      FUZZ_REVIEW_KEY: REVIEW_KEY,
    });
    // The whole report on failure: each finding comes with the curl line that reproduces it.
    if (result.code !== 0) throw new Error(`schemathesis exited ${String(result.code)}:\n${result.output}`);
    // Every operation in the document, but GET /openapi.json: Schemathesis leaves out the one that serves it.
    const operations = String(OPERATIONS.length - 1);
    expect(result.output).toMatch(new RegExp(`Operations:\\s+${operations} selected / ${operations} total`));
    expect(result.output).toMatch(/\d+ generated, \d+ passed/);
  }, 600_000);
});
