import { z } from 'zod';
import type { Reason, Transaction } from '../transactions/transaction.schema';

/**
 * Per-entity allow and block entries set by analysts: "this card is travelling, let it
 * through until Friday", "block this merchant for the night". They take precedence over the
 * rules and the model; each carries who set it, why, and when it stops applying.
 */

export const overrideEntitySchema = z.enum(['card', 'merchant', 'device']);
export type OverrideEntity = z.infer<typeof overrideEntitySchema>;
export const overrideActionSchema = z.enum(['allow', 'block']);
export type OverrideAction = z.infer<typeof overrideActionSchema>;

const rfc3339 = z.iso.datetime({ offset: true });
const MAX_EXPIRY_MS = 366 * 24 * 3600 * 1000;

/** An override as stored (and listed). */
export const overrideSchema = z.object({
  entity: overrideEntitySchema,
  id: z.string().min(1).max(128),
  action: overrideActionSchema,
  reason: z.string().min(1).max(500),
  author: z.string().min(1).max(128),
  createdAt: rfc3339,
  expiresAt: rfc3339,
});
export type Override = z.infer<typeof overrideSchema>;

/**
 * The body of POST /v1/overrides. An expiry is required and at most a year out: a forgotten
 * allow entry on a card that is later stolen is exactly the failure to design out.
 */
export function overrideRequestSchema(now: number) {
  return z.strictObject({
    entity: overrideEntitySchema,
    id: z.string().min(1).max(128),
    action: overrideActionSchema,
    // The pattern says in the schema what trim().min(1) checks: not blank.
    reason: z.string().regex(/\S/, 'must not be blank').trim().min(1).max(500),
    author: z.string().regex(/\S/, 'must not be blank').trim().min(1).max(128),
    expiresAt: rfc3339
      .refine((at) => Date.parse(at) > now, 'must be in the future')
      .refine((at) => Date.parse(at) <= now + MAX_EXPIRY_MS, 'must be at most 366 days ahead'),
  });
}

/** The entities of a transaction an override can name. */
export function entitiesOf(tx: Transaction): { entity: OverrideEntity; id: string }[] {
  const entities: { entity: OverrideEntity; id: string }[] = [
    { entity: 'card', id: tx.cardId },
    { entity: 'merchant', id: tx.merchantId },
  ];
  if (tx.deviceId !== undefined) entities.push({ entity: 'device', id: tx.deviceId });
  return entities;
}

/** Whether an override still applies at `now`: Redis expires the key too, this makes it exact. */
export const isLive = (override: Override, now: number): boolean => Date.parse(override.expiresAt) > now;

export const OVERRIDE_REASONS = { block: 'OVERRIDE_BLOCK', allow: 'OVERRIDE_ALLOW' } as const satisfies Record<OverrideAction, string>;

// The entity id stays out of the message, as in the list rules: reasons travel to analysts and logs.
export function overrideReason(override: Override): Reason {
  return {
    code: OVERRIDE_REASONS[override.action],
    message: `${override.entity} has a ${override.action} override until ${override.expiresAt} set by ${override.author}: ${override.reason}`,
  };
}
