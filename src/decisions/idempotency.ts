import { hash } from 'node:crypto';
import type { Transaction } from '../transactions/transaction.schema';

/**
 * The fields a fingerprint covers, by version. v1 is every contract field of a transaction
 * except its id. A field added to the contract later is not in v1: a retry sent across an
 * upgrade, one copy with the new field and one without, still matches a stored v1
 * fingerprint. A later version that covers more fields gets its own prefix, and records
 * stored under v1 keep being compared by v1.
 */
const FINGERPRINT_V1 = [
  'occurredAt',
  'cardId',
  'merchantId',
  'amount',
  'currency',
  'customerId',
  'merchantCategory',
  'channel',
  'deviceId',
  'ipAddress',
  'location',
  'country',
] as const;

/**
 * What a transaction id was first decided on. Equal payloads give equal fingerprints whatever
 * their key order, unknown fields or timestamp spelling (`...Z` and `...+00:00`, with or
 * without milliseconds, are one instant).
 */
export function fingerprint(tx: Transaction): string {
  const canonical = FINGERPRINT_V1.map((field) => {
    const value = field === 'occurredAt' ? Date.parse(tx.occurredAt) : field === 'location' && tx.location ? [tx.location.lat, tx.location.lon] : tx[field];
    return value ?? null;
  });
  return `v1:${hash('sha256', JSON.stringify(canonical), 'base64url').slice(0, 22)}`;
}

/**
 * Who holds a claim: `h:<instance>` for an HTTP request on that instance, `k:<topic>:<partition>:<offset>`
 * for a Kafka message (the partition's owner may take its own message's claim over after a crash).
 */
export type ClaimOwner = string;

export const httpOwner = (instanceId: string): ClaimOwner => `h:${instanceId}`;
export const kafkaOwner = (origin: { topic: string; partition: number; offset: string }): ClaimOwner =>
  `k:${origin.topic}:${String(origin.partition)}:${origin.offset}`;

/**
 * A claim is stored in the decision's own key until the decision replaces it. Its first
 * character tells it from a decision record (JSON, so `{`); owners and fingerprints hold no `|`.
 */
export const claimValue = (owner: ClaimOwner, print: string): string => `c1|${owner}|${print}`;

export function parseClaim(raw: string): { owner: ClaimOwner; fingerprint: string } | null {
  const parts = raw.split('|');
  if (parts.length !== 3 || parts[0] !== 'c1' || !parts[1] || !parts[2]) return null;
  return { owner: parts[1], fingerprint: parts[2] };
}

export const isDecisionRecord = (raw: string) => raw.startsWith('{');

/** A stored decision without a fingerprint was written before fingerprints existed: it matches any payload. */
export const samePayload = (stored: { fingerprint?: string | undefined }, print: string) => stored.fingerprint === undefined || stored.fingerprint === print;

/**
 * What claiming a transaction id found:
 * - `claimed`: nobody held it (or this owner did): decide it;
 * - `decided`: a decision is stored for the same payload: return it unchanged;
 * - `held`: another owner is deciding the same payload now: wait for its decision;
 * - `conflict`: the id was first used for another payload: refuse.
 */
export type ClaimResult<S> =
  { readonly kind: 'claimed' } | { readonly kind: 'decided'; readonly stored: S } | { readonly kind: 'held' } | { readonly kind: 'conflict' };

/**
 * Reads the value found in a decision's key: the reply of `SET key claim NX PX lease GET` (the
 * previous value, null when the claim was written), or a plain `GET` with no `owner` (a claim
 * is then never this reader's own, and `claimed` means the id is free). A value that is neither
 * a decision nor a claim is taken as free, the way a record that does not parse is treated as
 * absent.
 */
export function readClaim<S extends { fingerprint?: string | undefined }>(
  raw: unknown,
  owner: ClaimOwner | null,
  print: string,
  parseStored: (raw: string) => S | null,
): ClaimResult<S> {
  if (typeof raw !== 'string') return { kind: 'claimed' };
  if (isDecisionRecord(raw)) {
    const stored = parseStored(raw);
    if (stored === null) return { kind: 'claimed' };
    return samePayload(stored, print) ? { kind: 'decided', stored } : { kind: 'conflict' };
  }
  const claim = parseClaim(raw);
  if (claim === null) return { kind: 'claimed' };
  if (claim.fingerprint !== print) return { kind: 'conflict' };
  return claim.owner === owner ? { kind: 'claimed' } : { kind: 'held' };
}
