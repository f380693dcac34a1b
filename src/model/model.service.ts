import { existsSync, statSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { metadataPathFor } from './model-metadata';
import { OnnxScorer } from './onnx-scorer';

export type ModelRole = 'primary' | 'shadow';

interface Slot {
  readonly role: ModelRole;
  readonly path: string;
  scorer: OnnxScorer | null;
  /** Size and mtime of the model and its metadata when last loaded (or refused). */
  stamp: string;
}

/**
 * The live model and an optional shadow (challenger), loaded at start-up and swapped when
 * their files change, without a restart: the new model is loaded and probed first, then takes
 * the next batch; batches already scoring finish on the model they started with, which is then
 * released. A model that fails to load leaves the previous one in place.
 */
@Injectable()
export class ModelService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ModelService.name);
  private readonly slots: Slot[];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private readonly checkFiles = () => {
    void this.checkForUpdates();
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const { path, shadowPath } = config.model;
    this.slots = [
      ...(path === 'none' ? [] : [{ role: 'primary' as const, path, scorer: null, stamp: '' }]),
      ...(shadowPath === '' ? [] : [{ role: 'shadow' as const, path: shadowPath, scorer: null, stamp: '' }]),
    ];
    for (const slot of this.slots) metrics.zeroModelLoads(slot.role);
  }

  async onModuleInit(): Promise<void> {
    await this.checkForUpdates();
    const primary = this.slot('primary');
    if (primary && !primary.scorer) {
      this.logger.error(`no usable model at ${primary.path}: decisions are marked degraded (model check unavailable) until one loads`);
    }
    if (this.config.model.reloadIntervalMs > 0) {
      this.timer = setInterval(this.checkFiles, this.config.model.reloadIntervalMs);
      this.timer.unref();
    }
    process.on('SIGHUP', this.checkFiles);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    process.off('SIGHUP', this.checkFiles);
    await this.reloading;
    await Promise.all(this.slots.map((s) => s.scorer?.retire() ?? Promise.resolve()));
  }

  /** Whether a live model is configured at all (MODEL_PATH is not `none`). */
  get enabled(): boolean {
    return this.slot('primary') !== undefined;
  }

  /** The model new work should use; callers hold on to it for the whole batch. */
  current(role: ModelRole = 'primary'): OnnxScorer | null {
    return this.slot(role)?.scorer ?? null;
  }

  /** Checks every slot's files and loads what changed; concurrent calls queue up. */
  checkForUpdates(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      for (const slot of this.slots) await this.refresh(slot);
    });
    return this.reloading;
  }

  private slot(role: ModelRole): Slot | undefined {
    return this.slots.find((s) => s.role === role);
  }

  private async refresh(slot: Slot): Promise<void> {
    const stamp = fileStamp(slot.path);
    if (stamp === slot.stamp) return;
    slot.stamp = stamp;
    if (stamp === 'missing') {
      if (slot.scorer === null) this.logger.warn(`${slot.role} model ${slot.path} or its metadata.json is missing`);
      return;
    }
    try {
      const next = await OnnxScorer.load(slot.path, { intraOpThreads: this.config.model.intraOpThreads, maxRowsPerRun: this.config.model.maxRowsPerRun });
      const previous = slot.scorer;
      slot.scorer = next;
      if (previous !== null) this.metrics.modelInfo.remove({ role: slot.role, version: previous.version });
      this.metrics.modelInfo.set({ role: slot.role, version: next.version }, 1);
      this.metrics.modelLoads.inc({ role: slot.role, result: 'loaded' });
      this.logger.log(`${slot.role} model ${next.version} loaded from ${slot.path}${previous ? ` (replacing ${previous.version})` : ''}`);
      await previous?.retire();
    } catch (err) {
      this.metrics.modelLoads.inc({ role: slot.role, result: 'refused' });
      this.logger.error(
        `${slot.role} model at ${slot.path} refused${slot.scorer ? `; keeping ${slot.scorer.version}` : ''}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}

function fileStamp(modelPath: string): string {
  const metadata = metadataPathFor(modelPath);
  if (!existsSync(modelPath) || !existsSync(metadata)) return 'missing';
  return [modelPath, metadata]
    .map((p) => {
      const s = statSync(p);
      return `${String(s.size)}@${String(s.mtimeMs)}`;
    })
    .join('|');
}
