import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { RuleVersionStore, type VersionRecord } from '../rules/rule-version.store';
import { parseRuleSet } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import type { activatedSchema, rulesOverviewSchema, shadowSetSchema, versionDetailSchema, VersionSummary } from './api-schemas';
import { AdminGuard } from './auth.guard';
import { ApiError } from './errors';

type Status = VersionSummary['status'];

// Stored documents were validated on the way in; this reads the two fields a listing shows.
const headline = z.object({ version: z.string(), description: z.string().optional() });
const versionParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number);

function parseV(raw: string): number {
  const parsed = versionParam.safeParse(raw);
  if (!parsed.success) throw new ApiError('INVALID_RULES_VERSION');
  return parsed.data;
}

/**
 * The rules lifecycle: immutable numbered versions, one active and optionally one in shadow.
 * A change is applied by this instance before the call returns and reaches the others through
 * pub/sub (or their poll) within RULES_POLL_INTERVAL_MS.
 */
@Controller('v1/rules')
@UseGuards(AdminGuard)
export class RulesController {
  constructor(
    private readonly store: RuleVersionStore,
    private readonly rules: RulesService,
  ) {}

  @Get()
  async overview(): Promise<z.infer<typeof rulesOverviewSchema>> {
    const [pointers, records, activations] = await Promise.all([this.store.pointers(), this.store.list(), this.store.activations()]);
    const versions = records.map((record) => summary(record, pointers));
    return {
      active: versions.find((s) => s.status === 'active') ?? null,
      shadow: versions.find((s) => s.status === 'shadow') ?? null,
      versions,
      activations,
    };
  }

  @Get('versions/:v')
  async version(@Param('v') raw: string): Promise<z.infer<typeof versionDetailSchema>> {
    const v = parseV(raw);
    const [record, pointers] = await Promise.all([this.store.get(v), this.store.pointers()]);
    if (record === null) throw new ApiError('RULES_VERSION_NOT_FOUND');
    return { ...summary(record, pointers), document: record.document };
  }

  @Post('versions')
  @HttpCode(201)
  async create(@Body() document: unknown): Promise<z.infer<typeof versionDetailSchema>> {
    const parsed = parseRuleSet(document);
    if (!parsed.ok) throw new ApiError('INVALID_RULE_SET', parsed.errors);
    const result = await this.store.create(parsed.ruleSet.version, document);
    if (!result.created)
      throw new ApiError('RULES_VERSION_EXISTS', [{ path: 'version', message: `"${parsed.ruleSet.version}" is stored as version ${String(result.existing)}` }]);
    const record = await this.store.get(result.v);
    if (record === null) throw new Error(`version ${String(result.v)} vanished after it was created`);
    return { ...summary(record, { active: null, shadow: null }), document: record.document };
  }

  /** Activating an older version is the rollback. Activating the active version changes nothing. */
  @Post('versions/:v/activate')
  @HttpCode(200)
  async activate(@Param('v') raw: string): Promise<z.infer<typeof activatedSchema>> {
    const v = parseV(raw);
    const result = await this.store.activate(v);
    if (result === 'not_found') throw new ApiError('RULES_VERSION_NOT_FOUND');
    await this.rules.refresh();
    return { active: await this.summaryOf(v), changed: result === 'activated' };
  }

  @Post('versions/:v/shadow')
  @HttpCode(200)
  async shadow(@Param('v') raw: string): Promise<z.infer<typeof shadowSetSchema>> {
    const v = parseV(raw);
    const result = await this.store.setShadow(v);
    if (result === 'not_found') throw new ApiError('RULES_VERSION_NOT_FOUND');
    if (result === 'active') throw new ApiError('RULES_VERSION_ACTIVE');
    await this.rules.refresh();
    return { shadow: await this.summaryOf(v) };
  }

  @Delete('shadow')
  @HttpCode(200)
  async clearShadow(): Promise<{ shadow: null }> {
    await this.store.setShadow(null);
    await this.rules.refresh();
    return { shadow: null };
  }

  private async summaryOf(v: number): Promise<VersionSummary> {
    const [record, pointers] = await Promise.all([this.store.get(v), this.store.pointers()]);
    if (record === null) throw new ApiError('RULES_VERSION_NOT_FOUND');
    return summary(record, pointers);
  }
}

function summary(record: VersionRecord, pointers: { active: number | null; shadow: number | null }): VersionSummary {
  const head = headline.safeParse(record.document);
  const status: Status = pointers.active === record.v ? 'active' : pointers.shadow === record.v ? 'shadow' : 'inactive';
  return {
    v: record.v,
    version: head.success ? head.data.version : '',
    description: head.success ? (head.data.description ?? null) : null,
    status,
    createdAt: record.createdAt,
  };
}
