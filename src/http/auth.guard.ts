import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { cookieValue, csrfMatches, SESSION_COOKIE, SessionStore, type Session } from '../cases/session.store';
import { ApiKeys, bearerKey, type Scope } from './api-keys';
import { ApiError } from './errors';

/** The configured keys, built once from the config; the guards share it. */
@Injectable()
export class ApiKeyRegistry extends ApiKeys {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config.auth.adminKeys, config.auth.scoringKeys, config.auth.reviewKeys);
  }
}

const presented = (context: ExecutionContext): string | null => bearerKey(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);

/**
 * Admin endpoints: never open. No admin keys configured: 403 ADMIN_DISABLED; no or unknown
 * key: 401; a valid key without the admin scope: 403. Keys are never logged or echoed.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.adminEnabled) throw new ApiError('ADMIN_DISABLED');
    const key = presented(context);
    const scope: Scope | null = key === null ? null : this.keys.scopeOf(key);
    if (scope === null) throw new ApiError('UNAUTHENTICATED');
    if (scope !== 'admin') throw new ApiError('FORBIDDEN');
    return true;
  }
}

type ReviewRequest = FastifyRequest & { analyst?: string; consoleSession?: Session };

/** The analyst a review request acts as, set by ReviewGuard. */
export const analystOf = (request: FastifyRequest): string => (request as ReviewRequest).analyst ?? 'unknown';

/** The console session a review request came with, as ReviewGuard found it; null for a bearer key. */
export const consoleSessionOf = (request: FastifyRequest): Session | null => (request as ReviewRequest).consoleSession ?? null;

/** The analyst a review or admin key stands for: 401 for a key that is none, 403 for a scoring key. */
export function analystForKey(keys: ApiKeys, key: string): string {
  const who = keys.identify(key);
  if (who === null) throw new ApiError('UNAUTHENTICATED');
  if (who.scope !== 'review' && who.scope !== 'admin') throw new ApiError('FORBIDDEN');
  return who.name;
}

/**
 * The review cases API: a review key (the analyst is its name) or an admin key (as `admin`) as
 * a bearer, or a console session's cookie (see SessionsController), whose requests that change
 * something must carry the session's `X-CSRF-Token`. CONSOLE_ENABLED false: 404
 * CONSOLE_DISABLED; no review or admin keys: 403 REVIEW_DISABLED; no or unknown key or
 * session: 401; a scoring key: 403; a session request without its CSRF token: 403 CSRF_INVALID.
 */
@Injectable()
export class ReviewGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly sessions: SessionStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.cases.consoleEnabled) throw new ApiError('CONSOLE_DISABLED');
    if (!this.keys.reviewEnabled) throw new ApiError('REVIEW_DISABLED');
    const request = context.switchToHttp().getRequest<ReviewRequest>();
    const key = presented(context);
    if (key !== null) {
      request.analyst = analystForKey(this.keys, key);
      return true;
    }
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = token === undefined ? null : await this.sessions.find(token);
    if (session === null) throw new ApiError('UNAUTHENTICATED');
    const header = request.headers['x-csrf-token'];
    if (request.method !== 'GET' && request.method !== 'HEAD' && !csrfMatches(session, typeof header === 'string' ? header : undefined))
      throw new ApiError('CSRF_INVALID');
    request.analyst = session.analyst;
    request.consoleSession = session;
    return true;
  }
}

/** Scoring endpoints: open while SCORING_API_KEYS is empty (the original contract), else a scoring or admin key. */
@Injectable()
export class ScoringGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.scoringOpen) return true;
    const key = presented(context);
    if (key === null || this.keys.scopeOf(key) === null) throw new ApiError('UNAUTHENTICATED');
    return true;
  }
}
