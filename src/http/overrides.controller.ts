import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OverrideStore } from '../rules/override.store';
import { overrideActionSchema, overrideEntitySchema, overrideRequestSchema, type Override } from '../rules/overrides';
import { AdminGuard } from './auth.guard';
import { ApiError, parsedOr } from './errors';

const keyParams = z.object({ entity: overrideEntitySchema, id: z.string().min(1).max(128), action: overrideActionSchema });

/** Per-entity allow and block entries, applied before the rules until they expire. */
@Controller('v1/overrides')
@UseGuards(AdminGuard)
export class OverridesController {
  constructor(private readonly store: OverrideStore) {}

  @Get()
  async list(): Promise<{ overrides: Override[] }> {
    return { overrides: await this.store.list(Date.now()) };
  }

  /** Creates the entry, or replaces the same entity's entry with the same action (a new expiry, reason or author). */
  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<Override> {
    const now = Date.now();
    const request = parsedOr('INVALID_OVERRIDE', overrideRequestSchema(now), body);
    const override: Override = { ...request, expiresAt: new Date(Date.parse(request.expiresAt)).toISOString(), createdAt: new Date(now).toISOString() };
    if ((await this.store.set(override)) === 'conflict') throw new ApiError('OVERRIDE_CONFLICT');
    return override;
  }

  @Delete(':entity/:id/:action')
  @HttpCode(204)
  async remove(@Param() params: unknown): Promise<void> {
    const { entity, id, action } = parsedOr('INVALID_OVERRIDE', keyParams, params);
    if (!(await this.store.remove(entity, id, action))) throw new ApiError('OVERRIDE_NOT_FOUND');
  }
}
