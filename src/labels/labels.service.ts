import { Injectable } from '@nestjs/common';
import { DecisionStore, type Subject } from '../decisions/decision.store';
import { RedisClient } from '../redis/redis.client';
import type { FraudLabel } from '../transactions/transaction.schema';
import { VelocityStore } from '../velocity/velocity.store';

export type LabelResult = 'applied' | 'unchanged' | 'unresolved';

/**
 * Fraud labels into the card's and the merchant's fraud counts. A label names a transaction;
 * its card, merchant and time come from the label itself when it carries them, otherwise from
 * the stored decision. Two round trips per batch at most (look-ups, then the scripts).
 */
@Injectable()
export class LabelsService {
  constructor(
    private readonly redis: RedisClient,
    private readonly velocity: VelocityStore,
    private readonly decisions: DecisionStore,
  ) {
    VelocityStore.install(redis.redis);
  }

  async apply(labels: readonly FraudLabel[]): Promise<LabelResult[]> {
    const own = labels.map((l): Subject | null =>
      l.cardId !== undefined && l.merchantId !== undefined && l.occurredAt !== undefined
        ? { cardId: l.cardId, merchantId: l.merchantId, occurredAt: l.occurredAt }
        : null,
    );
    const missing = labels.filter((_, i) => own[i] === null).map((l) => l.transactionId);
    const stored = await this.decisions.getMany(missing);
    const found = new Map(missing.map((id, i) => [id, stored[i]?.subject ?? null]));
    const subjects = labels.map((l, i) => own[i] ?? found.get(l.transactionId) ?? null);

    const pipeline = this.redis.pipeline();
    labels.forEach((label, i) => {
      const subject = subjects[i];
      if (subject) this.velocity.queueLabel(pipeline, label.transactionId, subject, label.fraud);
    });
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
    // Before the consumer commits the labels' offsets: the counts on the replicas, so a failover keeps them.
    await this.redis.replicated();

    let reply = 0;
    return subjects.map((subject): LabelResult => {
      if (subject === null) return 'unresolved';
      const changed = replies.slice(reply, reply + 2).some(([, r]) => r === 1);
      reply += 2;
      return changed ? 'applied' : 'unchanged';
    });
  }
}
