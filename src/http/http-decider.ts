import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DecisionService, type BatchItem, type Outcome } from '../decisions/decision.service';
import { DecisionStore } from '../decisions/decision.store';
import { fingerprint } from '../decisions/idempotency';
import { Metrics } from '../metrics/metrics';
import type { Decision, Transaction } from '../transactions/transaction.schema';
import { Coalescer } from './coalescer';
import { ApiError } from './errors';

const MAX_HTTP_BATCH = 64;
/** How often a request waiting on another instance's claim looks for its decision. */
const RECHECK_MS = 5;

/**
 * HTTP decisions with the guarantees of a payment API: one decision per transaction id however
 * many copies arrive at once, an answer within BUDGET_TOTAL_MS of arrival, and load shed at
 * once past HTTP_MAX_IN_FLIGHT. Copies of an id in flight on this instance share one answer;
 * copies on other instances meet its claim in Redis and wait for what it stores.
 */
@Injectable()
export class HttpDecider {
  private readonly batcher: Coalescer<BatchItem, Outcome>;
  private readonly flights = new Map<string, { readonly fingerprint: string; readonly answer: Promise<Decision> }>();
  private inFlight = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    decisions: DecisionService,
    private readonly store: DecisionStore,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new Coalescer((items) => decisions.decideBatch(items, 'http'), MAX_HTTP_BATCH);
  }

  decide(tx: Transaction, receivedAt: number): Promise<Decision> {
    const print = fingerprint(tx);
    const flight = this.flights.get(tx.transactionId);
    if (flight !== undefined) {
      this.metrics.idempotency.inc({ outcome: flight.fingerprint === print ? 'joined' : 'conflict' });
      if (flight.fingerprint !== print) return Promise.reject(new ApiError('IDEMPOTENCY_CONFLICT'));
      return flight.answer;
    }
    if (this.inFlight >= this.config.http.maxInFlight) return Promise.reject(new ApiError('OVERLOADED'));
    this.inFlight++;
    const answer = this.answer({ tx, fingerprint: print, receivedAt, origin: null }).finally(() => {
      this.inFlight--;
      this.flights.delete(tx.transactionId);
      if (performance.now() - receivedAt > this.config.budget.totalMs) this.metrics.lateAnswers.inc();
    });
    this.flights.set(tx.transactionId, { fingerprint: print, answer });
    return answer;
  }

  private async answer(item: BatchItem): Promise<Decision> {
    const dueAt = item.receivedAt + this.config.budget.totalMs;
    for (;;) {
      const outcome = await this.batcher.submit(item);
      if (outcome.kind === 'decided') return outcome.decision;
      if (outcome.kind === 'conflict') throw new ApiError('IDEMPOTENCY_CONFLICT');
      // Another instance (or a Kafka message) holds the id: its decision is the answer.
      this.metrics.idempotency.inc({ outcome: 'joined' });
      for (;;) {
        const left = dueAt - performance.now();
        if (left <= 0) {
          this.metrics.idempotency.inc({ outcome: 'in_progress' });
          throw new ApiError('DECISION_IN_PROGRESS');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(RECHECK_MS, left)));
        const seen = await this.store.recheck(item.tx.transactionId, item.fingerprint);
        if (seen.kind === 'decided') return seen.stored.decision;
        if (seen.kind === 'conflict') throw new ApiError('IDEMPOTENCY_CONFLICT');
        // Free: the holder's lease ran out with nothing stored (it died): claim it again.
        if (seen.kind === 'free') break;
      }
    }
  }
}
