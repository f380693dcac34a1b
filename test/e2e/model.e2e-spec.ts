import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ModelService } from '../../src/model/model.service';
import { decisionSchema, type Decision } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics } from '../support/kafka';

const COMMITTED = join(__dirname, '..', '..', 'models', 'current');
const committedMetadata = () =>
  JSON.parse(readFileSync(join(COMMITTED, 'metadata.json'), 'utf8')) as { modelVersion: string; featureNames: string[] } & Record<string, unknown>;

/** A model folder of the test's own: the committed model, under a version name of our choosing. */
function modelDir(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'model-'));
  publish(dir, version);
  return dir;
}
function publish(dir: string, version: string, patch: Record<string, unknown> = {}): void {
  copyFileSync(join(COMMITTED, 'model.onnx'), join(dir, 'model.onnx'));
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ ...committedMetadata(), modelVersion: version, ...patch }));
}

describe('the model check', () => {
  let app: NestFastifyApplication;
  afterEach(async () => {
    await app.close();
  });
  const decide = async (): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction() });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };

  it('scores every decision with the committed model by default and names its version', async () => {
    app = await startTestApp({ MODEL_PATH: join(COMMITTED, 'model.onnx') });
    const decision = await decide();
    expect(decision.modelVersion).toBe(committedMetadata().modelVersion);
    expect(decision.score).toBeGreaterThanOrEqual(0);
    expect(decision.score).toBeLessThanOrEqual(1);
    expect(decision.degraded).toBe(false);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/fraud_stage_duration_seconds_count\{stage="model",unit="micro_batch"\} [1-9]/);
    expect(metrics).toContain(`fraud_model_info{role="primary",version="${committedMetadata().modelVersion}"} 1`);
  });

  it('swaps in a new model file without a restart or a failed request, and refuses one built on a feature the service does not compute', async () => {
    const dir = modelDir('v1-test');
    // The test writes the new model files synchronously on the service's own event loop (a real
    // deployment writes them from another process) while requests are in flight; the test
    // config's budget of a second keeps that pause, counted from their arrival, from degrading them.
    app = await startTestApp({ MODEL_PATH: join(dir, 'model.onnx'), MODEL_RELOAD_INTERVAL_MS: '0' });
    const models = app.get(ModelService);
    expect((await decide()).modelVersion).toBe('v1-test');

    // Requests keep flowing while the new version is written and loaded.
    const during: Promise<Decision>[] = [];
    for (let i = 0; i < 20; i++) during.push(decide());
    publish(dir, 'v2-test');
    const reload = models.checkForUpdates();
    for (let i = 0; i < 20; i++) during.push(decide());
    await reload;
    const answered = await Promise.all(during);
    expect(answered.every((d) => !d.degraded && d.score !== null)).toBe(true);
    expect(answered.every((d) => d.modelVersion === 'v1-test' || d.modelVersion === 'v2-test')).toBe(true);
    expect((await decide()).modelVersion).toBe('v2-test');

    publish(dir, 'v3-wrong-features', { featureNames: [...committedMetadata().featureNames.slice(1), 'card_count_2h'] });
    await models.checkForUpdates();
    const after = await decide();
    expect(after).toMatchObject({ modelVersion: 'v2-test', degraded: false });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('fraud_model_loads_total{role="primary",result="loaded"} 2');
    expect(metrics).toContain('fraud_model_loads_total{role="primary",result="refused"} 1');
  });

  it('marks decisions degraded, and still answers, while the configured model cannot be loaded', async () => {
    app = await startTestApp({ MODEL_PATH: join(mkdtempSync(join(tmpdir(), 'no-model-')), 'model.onnx') });
    const decision = await decide();
    expect(decision).toMatchObject({ score: null, modelVersion: null, degraded: true });
    expect(decision.reasons).toContainEqual({ code: 'CHECK_UNAVAILABLE', message: 'model check failed' });
  });

  it('scores a shadow model off the critical path: its results go to the shadow topic, never into decisions', async () => {
    const topics = uniqueTopics('shadow');
    const config = testConfig(topics);
    await createTopics(config);
    app = await startTestApp({
      ...topics,
      MODEL_PATH: join(modelDir('live-test'), 'model.onnx'),
      MODEL_SHADOW_PATH: join(modelDir('challenger-test'), 'model.onnx'),
    });
    const decisions = [await decide(), await decide(), await decide()];
    expect(decisions.every((d) => d.modelVersion === 'live-test')).toBe(true);

    // The shadow model's records; the online model (ONLINE_MODEL=shadow by default) writes its own kind beside them.
    const ofModel = (all: readonly { value: string }[]) => all.map((m) => JSON.parse(m.value) as Record<string, unknown>).filter((r) => r.kind === 'model');
    const records = ofModel(await collect(config, topics.TOPIC_SHADOW ?? '', (all) => ofModel(all).length >= 3, 30_000));
    expect(records.map((r) => r.transactionId).sort()).toEqual(decisions.map((d) => d.transactionId).sort());
    for (const record of records) {
      const live = decisions.find((d) => d.transactionId === record.transactionId);
      expect(record).toMatchObject({
        kind: 'model',
        shadowModelVersion: 'challenger-test',
        liveModelVersion: 'live-test',
        liveScore: live?.score,
        liveDecision: live?.decision,
      });
      // Same model file under another name: the challenger agrees with the live model.
      expect(record.shadowScore).toBeCloseTo(live?.score ?? -1, 5);
    }
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/fraud_shadow_outcomes_total\{kind="model",agrees="true"\} 3/);
  });
});
