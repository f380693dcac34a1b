import { Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { OnlineLearner } from '../online/online-learner.service';
import { OnlineModel } from '../online/online-model.service';
import { OnlineStore } from '../online/online.store';
import type { OnlineOverview, onlineResetSchema, onlineRollbackSchema, onlineSnapshotSchema } from './api-schemas';
import { AdminGuard } from './auth.guard';
import { ApiError } from './errors';

const versionParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number);

/**
 * The online model's state, snapshots and the two ways back: roll back to a snapshot, or reset
 * to nothing learnt. Either is written as a new version, so every instance reloads it through
 * pub/sub (or its poll) as it would a learnt change.
 */
@Controller('v1/online')
@UseGuards(AdminGuard)
export class OnlineController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: OnlineStore,
    private readonly learner: OnlineLearner,
    private readonly model: OnlineModel,
  ) {}

  @Get()
  async overview(): Promise<OnlineOverview> {
    const [read, snapshots] = await Promise.all([this.store.readState(), this.store.snapshots()]);
    const state = read.kind === 'ok' ? read.state : null;
    const serving = this.model.snapshot();
    return {
      mode: this.config.online.mode,
      combination: this.config.online.combination,
      version: state?.version ?? 0,
      serving: serving?.version ?? null,
      warm: serving?.warm ?? false,
      positives: state?.positives ?? 0,
      negatives: state?.negatives ?? 0,
      updatedAt: state?.updatedAt ?? null,
      snapshots,
    };
  }

  @Post('snapshots')
  @HttpCode(201)
  async snapshot(): Promise<z.infer<typeof onlineSnapshotSchema>> {
    this.requireOn();
    return { version: await this.store.snapshot(this.config.online.snapshotsKept) };
  }

  @Post('rollback/:version')
  @HttpCode(200)
  async rollback(@Param('version') raw: string): Promise<z.infer<typeof onlineRollbackSchema>> {
    this.requireOn();
    const parsed = versionParam.safeParse(raw);
    if (!parsed.success) throw new ApiError('INVALID_ONLINE_VERSION');
    const version = await this.learner.rollback(parsed.data);
    if (version === null) throw new ApiError('ONLINE_SNAPSHOT_NOT_FOUND');
    await this.model.refresh();
    return { version, from: parsed.data };
  }

  @Post('reset')
  @HttpCode(200)
  async reset(): Promise<z.infer<typeof onlineResetSchema>> {
    this.requireOn();
    const version = await this.learner.reset();
    await this.model.refresh();
    return { version };
  }

  private requireOn(): void {
    if (this.config.online.mode === 'off') throw new ApiError('ONLINE_MODEL_OFF');
  }
}
