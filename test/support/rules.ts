import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DEFAULT_RULES_PATH } from '../../src/rules/rules.service';
import type { RuleSetDocument } from '../../src/rules/rule-set.schema';

/**
 * Admin keys and a rules key prefix of the test's own: rule versions and the active pointer
 * live in the shared test Redis, and a test that activates a version must not change what
 * other test files decide.
 */
export function rulesIsolation(): { ADMIN_API_KEYS: string; SCORING_API_KEYS: string; RULES_KEY_PREFIX: string; admin: string; scoring: string } {
  const admin = `admin-${randomUUID()}`;
  const scoring = `scoring-${randomUUID()}`;
  return { ADMIN_API_KEYS: admin, SCORING_API_KEYS: scoring, RULES_KEY_PREFIX: `test-rules-${randomUUID().slice(0, 8)}`, admin, scoring };
}

export const defaultRules = (): RuleSetDocument => JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8')) as RuleSetDocument;

/** The default rule set with one rule changed, under a new document version. */
export function withRule(version: string, id: string, change: Record<string, unknown>): Record<string, unknown> {
  const doc = defaultRules();
  return { ...doc, version, rules: doc.rules.map((rule) => (rule.id === id ? { ...rule, ...change } : rule)) };
}

export function adminCall(app: NestFastifyApplication, key: string) {
  return async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
    const headers = { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
    return { status: res.statusCode, body: res.body === '' ? null : res.json<Record<string, unknown>>() };
  };
}
