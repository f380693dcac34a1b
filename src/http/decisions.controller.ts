import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { DecisionService, type BatchItem } from '../decisions/decision.service';
import { DecisionStore } from '../decisions/decision.store';
import { parseTransaction } from '../transactions/transaction.parse';
import type { Decision } from '../transactions/transaction.schema';
import { ScoringGuard } from './auth.guard';
import { Coalescer } from './coalescer';
import { ApiError } from './errors';

const MAX_HTTP_BATCH = 64;

@Controller('v1/decisions')
@UseGuards(ScoringGuard)
export class DecisionsController {
  private readonly batcher: Coalescer<BatchItem, Decision>;

  constructor(
    decisions: DecisionService,
    private readonly store: DecisionStore,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new Coalescer(async (items) => (await decisions.decideBatch(items, 'http')).map((d) => d.decision), MAX_HTTP_BATCH);
  }

  @Post()
  @HttpCode(200)
  decide(@Body() body: unknown): Promise<Decision> {
    const receivedAt = performance.now();
    const parsed = parseTransaction(body);
    if (!parsed.ok) throw new ApiError(parsed.code, parsed.details);
    this.metrics.stageSeconds.observe({ stage: 'parse' }, (performance.now() - receivedAt) / 1000);
    return this.batcher.submit({ tx: parsed.tx, receivedAt, origin: null });
  }

  @Get(':transactionId')
  async find(@Param('transactionId') transactionId: string): Promise<Decision> {
    if (transactionId.length === 0 || transactionId.length > 128) throw new ApiError('INVALID_TRANSACTION_ID');
    const decision = await this.store.get(transactionId);
    if (decision === null) throw new ApiError('DECISION_NOT_FOUND');
    return decision;
  }
}
