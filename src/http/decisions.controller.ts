import { Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Metrics } from '../metrics/metrics';
import { DecisionStore } from '../decisions/decision.store';
import { parseTransaction } from '../transactions/transaction.parse';
import type { Decision } from '../transactions/transaction.schema';
import { ScoringGuard } from './auth.guard';
import { arrivalOf } from './arrival';
import { ApiError } from './errors';
import { HttpDecider } from './http-decider';

@Controller('v1/decisions')
@UseGuards(ScoringGuard)
export class DecisionsController {
  constructor(
    private readonly decider: HttpDecider,
    private readonly store: DecisionStore,
    private readonly metrics: Metrics,
  ) {}

  @Post()
  @HttpCode(200)
  decide(@Body() body: unknown, @Req() request: FastifyRequest): Promise<Decision> {
    const receivedAt = arrivalOf(request.raw);
    const t0 = performance.now();
    const parsed = parseTransaction(body);
    if (!parsed.ok) throw new ApiError(parsed.code, parsed.details);
    this.metrics.stageSeconds.observe({ stage: 'parse' }, (performance.now() - t0) / 1000);
    return this.decider.decide(parsed.tx, receivedAt);
  }

  @Get(':transactionId')
  async find(@Param('transactionId') transactionId: string): Promise<Decision> {
    if (transactionId.length === 0 || transactionId.length > 128) throw new ApiError('INVALID_TRANSACTION_ID');
    const decision = await this.store.get(transactionId);
    if (decision === null) throw new ApiError('DECISION_NOT_FOUND');
    return decision;
  }
}
