import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { caseOverrideRequestSchema, verdictRequestSchema } from '../cases/case';
import { OverrideStore } from '../rules/override.store';
import type { Override } from '../rules/overrides';
import { CaseStore, type CaseState } from '../cases/case.store';
import { LabelPublisher } from '../cases/label.publisher';
import { OVERVIEW_LIMITS } from '../cases/overview';
import { OverviewStore } from '../cases/overview.store';
import { CardHistoryStore } from '../decisions/card-history.store';
import { caseSchema, caseQueueSchema, overviewSchema } from './api-schemas';
import { analystOf, ReviewGuard } from './auth.guard';
import { ApiError, parsedOr } from './errors';

const idParams = z.object({ transactionId: z.string().min(1).max(128) });
const queueQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cardId: z.string().min(1).max(128).optional(),
});
const overviewQuery = z.object({
  minutes: z.coerce.number().int().min(1).max(OVERVIEW_LIMITS.minutes).default(60),
  days: z.coerce.number().int().min(1).max(OVERVIEW_LIMITS.days).default(7),
});

const parsed = <T>(schema: z.ZodType<T>, value: unknown): T => parsedOr('INVALID_CASE_REQUEST', schema, value);

const view = (state: CaseState, overrides: readonly Override[] = []): z.infer<typeof caseSchema> => ({
  transactionId: state.doc.transactionId,
  status: state.status,
  claimedBy: state.claimedBy,
  verdict: state.verdict,
  closedBy: state.closedBy,
  closedAt: state.closedAt,
  openedAt: state.doc.openedAt,
  priority: state.doc.priority,
  transaction: state.doc.transaction,
  decision: state.doc.decision,
  features: state.doc.features,
  overrides: [...overrides],
  audit: [...state.audit],
});

/**
 * The review cases API: the queue, claims and verdicts, as the analyst whose review key is
 * presented. A fraud or legitimate verdict is sent as a label to `fraud-labels` (source
 * "analyst", the analyst as author) before the case is closed, so a case closed is a label sent.
 */
@Controller('v1')
@UseGuards(ReviewGuard)
export class CasesController {
  constructor(
    private readonly cases: CaseStore,
    private readonly labels: LabelPublisher,
    private readonly overrides: OverrideStore,
    private readonly cardHistory: CardHistoryStore,
    private readonly overview: OverviewStore,
  ) {}

  @Get('overview')
  async summary(@Query() query: unknown): Promise<z.infer<typeof overviewSchema>> {
    const { minutes, days } = parsed(overviewQuery, query);
    return this.overview.read(minutes, days);
  }

  @Get('cases')
  async queue(@Query() query: unknown): Promise<z.infer<typeof caseQueueSchema>> {
    const { offset, limit, cardId } = parsed(queueQuery, query);
    // By card: its cases open and closed, newest first (the customer on the phone); else the open queue.
    const { total, ids } =
      cardId === undefined
        ? await this.cases.openCases(offset, limit)
        : await this.cases.casesOfCard(cardId, offset + limit).then((all) => ({ total: all.length, ids: all.slice(offset) }));
    const states = await this.cases.list(ids);
    // An id whose case ran out of its retention leaves the open queue here (claims drop them too).
    const gone = ids.filter((_, i) => states[i] === null);
    if (cardId === undefined) await this.cases.forget(gone);
    return { total: total - gone.length, offset, cases: states.flatMap((state) => (state === null ? [] : [view(state)])) };
  }

  /** The next open case nobody else holds, claimed for the caller (the one they hold, if any); 204 when there is none. */
  @Post('review-queue/claim')
  @HttpCode(200)
  async claimNext(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<z.infer<typeof caseSchema> | undefined> {
    const id = await this.cases.claimNext(analystOf(request));
    const state = id === null ? null : await this.cases.get(id);
    if (state === null) {
      void reply.code(204);
      return undefined;
    }
    return this.full(state);
  }

  @Get('cases/:transactionId')
  async get(@Param() params: unknown): Promise<z.infer<typeof caseSchema>> {
    return this.full(await this.found(parsed(idParams, params).transactionId));
  }

  /** Blocks or allows the case's card, merchant or device until a time (an override, authored by the analyst), logged on the case. */
  @Post('cases/:transactionId/override')
  @HttpCode(200)
  async override(@Param() params: unknown, @Body() body: unknown, @Req() request: FastifyRequest): Promise<z.infer<typeof caseSchema>> {
    const { transactionId } = parsed(idParams, params);
    const now = Date.now();
    const wanted = parsed(caseOverrideRequestSchema(now), body);
    const analyst = analystOf(request);
    const state = await this.found(transactionId);
    if (state.claimedBy !== analyst) throw new ApiError(state.status === 'closed' ? 'CASE_CLOSED' : 'CASE_NOT_CLAIMED');
    const { transaction } = state.doc;
    const id = wanted.entity === 'card' ? transaction.cardId : wanted.entity === 'merchant' ? transaction.merchantId : transaction.deviceId;
    if (id === undefined) throw new ApiError('INVALID_CASE_REQUEST', [{ path: 'entity', message: 'this transaction has no device' }]);
    const expiresAt = new Date(Date.parse(wanted.expiresAt)).toISOString();
    const set = await this.overrides.set({
      entity: wanted.entity,
      id,
      action: wanted.action,
      reason: wanted.reason,
      author: analyst,
      createdAt: new Date(now).toISOString(),
      expiresAt,
    });
    if (set === 'conflict') throw new ApiError('OVERRIDE_CONFLICT');
    await this.cases.logAction(transactionId, analyst, {
      action: 'override',
      comment: wanted.reason,
      override: { entity: wanted.entity, action: wanted.action, expiresAt },
    });
    return this.full(await this.found(transactionId));
  }

  @Post('cases/:transactionId/claim')
  @HttpCode(200)
  async claim(@Param() params: unknown, @Req() request: FastifyRequest): Promise<z.infer<typeof caseSchema>> {
    const { transactionId } = parsed(idParams, params);
    const outcome = await this.cases.claim(transactionId, analystOf(request));
    if (outcome.kind === 'missing') throw new ApiError('CASE_NOT_FOUND');
    if (outcome.kind === 'closed') throw new ApiError('CASE_CLOSED');
    if (outcome.kind === 'held') throw new ApiError('CASE_HELD', [{ path: 'claimedBy', message: outcome.by }]);
    return this.full(await this.found(transactionId));
  }

  @Delete('cases/:transactionId/claim')
  @HttpCode(204)
  async release(@Param() params: unknown, @Req() request: FastifyRequest): Promise<void> {
    const { transactionId } = parsed(idParams, params);
    await this.found(transactionId);
    if (!(await this.cases.release(transactionId, analystOf(request)))) throw new ApiError('CASE_NOT_CLAIMED');
  }

  @Post('cases/:transactionId/verdict')
  @HttpCode(200)
  async verdict(@Param() params: unknown, @Body() body: unknown, @Req() request: FastifyRequest): Promise<z.infer<typeof caseSchema>> {
    const { transactionId } = parsed(idParams, params);
    const { verdict, comment } = parsed(verdictRequestSchema, body);
    const analyst = analystOf(request);
    const state = await this.found(transactionId);
    if (state.status === 'closed') throw new ApiError('CASE_CLOSED');
    if (state.claimedBy !== analyst) throw new ApiError('CASE_NOT_CLAIMED');
    if (verdict !== 'inconclusive') {
      const { transaction } = state.doc;
      const label = {
        transactionId,
        fraud: verdict === 'fraud',
        reportedAt: new Date().toISOString(),
        cardId: transaction.cardId,
        merchantId: transaction.merchantId,
        occurredAt: transaction.occurredAt,
        source: 'analyst',
        author: analyst,
      };
      await this.labels.send(label).catch(() => {
        throw new ApiError('LABEL_NOT_SENT');
      });
    }
    const closed = await this.cases.close(transactionId, analyst, verdict, comment === '' ? undefined : comment);
    if (closed === 'closed') await this.overview.addVerdict(verdict, state.doc.decision.ruleHits);
    // The claim ran out (or the case was closed) between the check and the close: the label, if
    // any, is sent and counts once whatever happens next; the caller learns the case is not theirs.
    if (closed === 'not_claimed') throw new ApiError('CASE_NOT_CLAIMED');
    if (closed === 'already_closed') throw new ApiError('CASE_CLOSED');
    if (closed === 'missing') throw new ApiError('CASE_NOT_FOUND');
    return this.full(await this.found(transactionId));
  }

  /** The case with the overrides in force on its card, merchant and device, and the card's recent decisions. */
  private async full(state: CaseState): Promise<z.infer<typeof caseSchema>> {
    const [overrides, cardHistory] = await Promise.all([
      this.overrides.forTransaction(state.doc.transaction, Date.now()),
      this.cardHistory.recent(state.doc.transaction.cardId),
    ]);
    return { ...view(state, overrides), cardHistory };
  }

  private async found(transactionId: string): Promise<CaseState> {
    const state = await this.cases.get(transactionId);
    if (state === null) throw new ApiError('CASE_NOT_FOUND');
    return state;
  }
}
