import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { ApiKeys, bearerKey, type Scope } from './api-keys';
import { ApiError } from './errors';

/** The configured keys, built once from the config; the guards share it. */
@Injectable()
export class ApiKeyRegistry extends ApiKeys {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config.auth.adminKeys, config.auth.scoringKeys);
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
