import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Result } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { isStringHash, RedisClient, type RedisConnection } from '../redis/redis.client';
import { auditEntrySchema, caseDocSchema, type AuditEntry, type CaseDoc, type CaseVerdict } from './case';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdCaseOpen(
      caseKey: string,
      openKey: string,
      cardKey: string,
      openedKey: string,
      id: string,
      doc: string,
      priority: string,
      ttlSeconds: string,
      openedAtMs: string,
    ): Result<number, Context>;
    fdCaseClaimNext(
      openKey: string,
      analyst: string,
      claimMs: string,
      prefix: string,
      scan: string,
      entry: string,
      ttlSeconds: string,
    ): Result<string | null, Context>;
    fdCaseClaim(
      caseKey: string,
      claimKey: string,
      auditKey: string,
      analyst: string,
      claimMs: string,
      entry: string,
      ttlSeconds: string,
    ): Result<string, Context>;
    fdCaseRelease(claimKey: string, auditKey: string, analyst: string, entry: string, ttlSeconds: string): Result<number, Context>;
    fdCaseClose(
      caseKey: string,
      claimKey: string,
      openKey: string,
      auditKey: string,
      openedKey: string,
      id: string,
      analyst: string,
      verdict: string,
      closedAt: string,
      entry: string,
      ttlSeconds: string,
    ): Result<string, Context>;
  }
}

// Every case key shares the {cases} hash tag: the queue and its cases live on one Redis Cluster
// node, so the scripts below may reach a case from the queue's ids (they build those keys
// themselves, which Redis allows for keys of the script's own slot). Reviews are about 1% of
// decisions: one node holds them easily.
const PREFIX = 'fd:{cases}:';
export const CASE_KEYS = {
  open: `${PREFIX}open`,
  /** The open cases again, by the time they were opened: the queue's age. */
  opened: `${PREFIX}opened`,
  case: (id: string) => `${PREFIX}case:${id}`,
  claim: (id: string) => `${PREFIX}claim:${id}`,
  audit: (id: string) => `${PREFIX}audit:${id}`,
  /** The card's cases, open and closed, by the time they were opened: the search by card. */
  card: (cardId: string) => `${PREFIX}card:${cardId}`,
};

// Opened once per transaction: a second review decision for it (a redelivery, a retry that
// lost the store race) finds the document and changes nothing.
const OPEN = `
if redis.call('HSETNX', KEYS[1], 'doc', ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', 'open')
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[5]) - tonumber(ARGV[4]) * 1000)
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
return 1`;

// The first open case, highest priority first, that nobody else holds: taken for the analyst
// until the claim expires. A case the analyst already holds is given back (and its claim
// renewed) rather than a second one. Ids whose case expired are dropped from the queue here.
const CLAIM_NEXT = `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
for _, id in ipairs(ids) do
  local caseKey = ARGV[3] .. 'case:' .. id
  if redis.call('EXISTS', caseKey) == 0 then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', ARGV[3] .. 'opened', id)
  else
    local claimKey = ARGV[3] .. 'claim:' .. id
    local holder = redis.call('GET', claimKey)
    if holder == ARGV[1] then
      redis.call('PEXPIRE', claimKey, ARGV[2])
      return id
    elseif not holder then
      redis.call('SET', claimKey, ARGV[1], 'PX', ARGV[2])
      local auditKey = ARGV[3] .. 'audit:' .. id
      redis.call('RPUSH', auditKey, ARGV[5])
      redis.call('EXPIRE', auditKey, ARGV[6])
      return id
    end
  end
end
return false`;

// One case by id (from a search): 'missing', 'closed', 'held:<analyst>' or 'claimed'.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 'closed' end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return 'held:' .. holder end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if not holder then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return 'claimed'`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1`;

// Only the analyst holding the claim closes a case, once: 'closed', 'not_claimed' or 'already_closed'.
const CLOSE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 'already_closed' end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 'not_claimed' end
redis.call('HSET', KEYS[1], 'status', 'closed', 'verdict', ARGV[3], 'closedBy', ARGV[2], 'closedAt', ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[4], ARGV[5])
redis.call('EXPIRE', KEYS[4], ARGV[6])
return 'closed'`;

/** How many of the queue's top ids one claim-next looks at before giving up (all held by others). */
const CLAIM_SCAN = 200;

export interface CaseState {
  readonly doc: CaseDoc;
  readonly status: 'open' | 'closed';
  /** Who holds the case now, if anyone (open cases only). */
  readonly claimedBy: string | null;
  readonly verdict: CaseVerdict | null;
  readonly closedBy: string | null;
  readonly closedAt: string | null;
  readonly audit: readonly AuditEntry[];
}

export type ClaimOutcome =
  { readonly kind: 'claimed' } | { readonly kind: 'missing' } | { readonly kind: 'closed' } | { readonly kind: 'held'; readonly by: string };
export type CloseOutcome = 'closed' | 'missing' | 'already_closed' | 'not_claimed';

const installed = new WeakSet<RedisConnection>();

/**
 * Review cases in Redis, kept CASE_RETENTION_DAYS: a document per case, the open queue by
 * priority, a claim per case that expires after CASE_CLAIM_SECONDS (so a case an analyst
 * walked away from goes back to the queue), and an audit log of who claimed, released and
 * closed it. Every change is one script, so two analysts never hold one case.
 */
@Injectable()
export class CaseStore {
  private readonly ttlSeconds: string;
  private readonly claimMs: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.ttlSeconds = String(config.cases.retentionDays * 86_400);
    this.claimMs = String(config.cases.claimSeconds * 1000);
    const redis = client.redis;
    if (!installed.has(redis)) {
      installed.add(redis);
      redis.defineCommand('fdCaseOpen', { numberOfKeys: 4, lua: OPEN });
      redis.defineCommand('fdCaseClaimNext', { numberOfKeys: 1, lua: CLAIM_NEXT });
      redis.defineCommand('fdCaseClaim', { numberOfKeys: 3, lua: CLAIM });
      redis.defineCommand('fdCaseRelease', { numberOfKeys: 2, lua: RELEASE });
      redis.defineCommand('fdCaseClose', { numberOfKeys: 5, lua: CLOSE });
    }
  }

  /** Queues the opening of a case on a pipeline (the decisions' own store round trip); a case already open for the id is kept. */
  queueOpen(pipeline: ChainableCommander, doc: CaseDoc): void {
    pipeline.fdCaseOpen(
      CASE_KEYS.case(doc.transactionId),
      CASE_KEYS.open,
      CASE_KEYS.card(doc.transaction.cardId),
      CASE_KEYS.opened,
      doc.transactionId,
      JSON.stringify(doc),
      String(doc.priority),
      this.ttlSeconds,
      String(Date.parse(doc.openedAt)),
    );
  }

  /** The highest-priority open case nobody else holds, now claimed by `analyst`; null when there is none. */
  async claimNext(analyst: string, now = new Date()): Promise<string | null> {
    return this.client.redis.fdCaseClaimNext(
      CASE_KEYS.open,
      analyst,
      this.claimMs,
      PREFIX,
      String(CLAIM_SCAN),
      entry(now, analyst, 'claimed'),
      this.ttlSeconds,
    );
  }

  async claim(id: string, analyst: string, now = new Date()): Promise<ClaimOutcome> {
    const reply = await this.client.redis.fdCaseClaim(
      CASE_KEYS.case(id),
      CASE_KEYS.claim(id),
      CASE_KEYS.audit(id),
      analyst,
      this.claimMs,
      entry(now, analyst, 'claimed'),
      this.ttlSeconds,
    );
    if (reply === 'claimed' || reply === 'missing' || reply === 'closed') return { kind: reply };
    return { kind: 'held', by: reply.slice('held:'.length) };
  }

  /** Gives a held case back to the queue; false when `analyst` did not hold it. */
  async release(id: string, analyst: string, now = new Date()): Promise<boolean> {
    return (await this.client.redis.fdCaseRelease(CASE_KEYS.claim(id), CASE_KEYS.audit(id), analyst, entry(now, analyst, 'released'), this.ttlSeconds)) === 1;
  }

  /** Closes a case the analyst holds with their verdict, logged; the label it implies is the caller's to send. */
  async close(id: string, analyst: string, verdict: CaseVerdict, comment: string | undefined, now = new Date()): Promise<CloseOutcome> {
    const reply = await this.client.redis.fdCaseClose(
      CASE_KEYS.case(id),
      CASE_KEYS.claim(id),
      CASE_KEYS.open,
      CASE_KEYS.audit(id),
      CASE_KEYS.opened,
      id,
      analyst,
      verdict,
      now.toISOString(),
      entry(now, analyst, 'closed', verdict, comment),
      this.ttlSeconds,
    );
    return reply as CloseOutcome;
  }

  /** One case with its state and audit log; null when there is none (never opened, or past its retention). */
  async get(id: string): Promise<CaseState | null> {
    const [fields, claimedBy, audit] = await Promise.all([
      this.client.redis.hgetall(CASE_KEYS.case(id)),
      this.client.redis.get(CASE_KEYS.claim(id)),
      this.client.redis.lrange(CASE_KEYS.audit(id), 0, -1),
    ]);
    return stateOf(fields, claimedBy, audit);
  }

  /** Several cases for a listing, without their audit logs: one pipeline for the documents, one MGET for the claims. */
  async list(ids: readonly string[]): Promise<(CaseState | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetall(CASE_KEYS.case(id));
    const [docs, holders] = await Promise.all([pipeline.exec(), this.client.redis.mget(...ids.map((id) => CASE_KEYS.claim(id)))]);
    return ids.map((_, i) => {
      const [err, fields] = docs?.[i] ?? [new Error('the pipeline returned no reply'), null];
      if (err) throw err;
      return isStringHash(fields) ? stateOf(fields, holders[i] ?? null, []) : null;
    });
  }

  /** Drops ids from the open queue (cases found past their retention while listing it). */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length > 0)
      await this.client.redis
        .multi()
        .zrem(CASE_KEYS.open, ...ids)
        .zrem(CASE_KEYS.opened, ...ids)
        .exec();
  }

  /** How many cases are open and when the oldest of them was opened (null when none is). */
  async queueAge(now = Date.now()): Promise<{ readonly open: number; readonly oldestOpenedAt: string | null }> {
    // A case past its retention is gone without being closed: its id leaves the age index here.
    // (One connection: the commands run in this order.)
    const redis = this.client.redis;
    const [, open, oldest] = await Promise.all([
      redis.zremrangebyscore(CASE_KEYS.opened, '-inf', now - Number(this.ttlSeconds) * 1000),
      redis.zcard(CASE_KEYS.open),
      redis.zrange(CASE_KEYS.opened, 0, 0, 'WITHSCORES'),
    ]);
    const first = oldest[1];
    return { open, oldestOpenedAt: open === 0 || first === undefined ? null : new Date(Number(first)).toISOString() };
  }

  /** The card's cases, open and closed, newest first (at most `limit`): what a customer calling about a decline needs. */
  async casesOfCard(cardId: string, limit: number): Promise<readonly string[]> {
    return this.client.redis.zrevrange(CASE_KEYS.card(cardId), 0, limit - 1);
  }

  /** Logs an action on a case the analyst holds (an override set from it); false when they do not hold it. */
  async logAction(id: string, analyst: string, logged: Omit<AuditEntry, 'at' | 'analyst'>, now = new Date()): Promise<boolean> {
    if ((await this.client.redis.get(CASE_KEYS.claim(id))) !== analyst) return false;
    const line: AuditEntry = { at: now.toISOString(), analyst, ...logged };
    await this.client.redis.multi().rpush(CASE_KEYS.audit(id), JSON.stringify(line)).expire(CASE_KEYS.audit(id), Number(this.ttlSeconds)).exec();
    return true;
  }

  /** The open queue, highest priority first: how many, and the ids `limit` from `offset`. */
  async openCases(offset: number, limit: number): Promise<{ readonly total: number; readonly ids: readonly string[] }> {
    const [total, ids] = await Promise.all([this.client.redis.zcard(CASE_KEYS.open), this.client.redis.zrevrange(CASE_KEYS.open, offset, offset + limit - 1)]);
    return { total, ids };
  }
}

function entry(now: Date, analyst: string, action: AuditEntry['action'], verdict?: CaseVerdict, comment?: string): string {
  const logged: AuditEntry = { at: now.toISOString(), analyst, action, ...(verdict ? { verdict } : {}), ...(comment ? { comment } : {}) };
  return JSON.stringify(logged);
}

/** A case as Redis holds it; fields that do not parse make it absent rather than trusted. */
export function stateOf(fields: Record<string, string>, claimedBy: string | null, audit: readonly string[]): CaseState | null {
  if (fields.doc === undefined) return null;
  let doc: CaseDoc;
  try {
    doc = caseDocSchema.parse(JSON.parse(fields.doc));
  } catch {
    return null;
  }
  const closed = fields.status === 'closed';
  const verdict = fields.verdict === 'fraud' || fields.verdict === 'legitimate' || fields.verdict === 'inconclusive' ? fields.verdict : null;
  return {
    doc,
    status: closed ? 'closed' : 'open',
    claimedBy: closed ? null : claimedBy,
    verdict,
    closedBy: fields.closedBy ?? null,
    closedAt: fields.closedAt ?? null,
    audit: audit.flatMap((line) => {
      try {
        return [auditEntrySchema.parse(JSON.parse(line))];
      } catch {
        return [];
      }
    }),
  };
}
