import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisClient } from '../redis/redis.client';

/** POST /console/session's body. */
export const signInSchema = z.strictObject({ key: z.string().min(1).max(512) });

/** The console's session cookie: HttpOnly, SameSite=Strict, Secure behind TLS (see sessionCookie). */
export const SESSION_COOKIE = 'fd_session';

const sessionSchema = z.object({ analyst: z.string(), csrf: z.string(), expiresAt: z.iso.datetime() });
export type Session = z.infer<typeof sessionSchema>;

// Kept under the digest of the cookie's value: a copy of Redis holds no cookie that signs in.
const keyOf = (token: string): string => `fd:{console}:session:${createHash('sha256').update(token, 'utf8').digest('hex')}`;

/**
 * Analysts' console sessions in Redis, for CONSOLE_SESSION_HOURS: a random token in the cookie,
 * and per session a random CSRF token every state-changing request must echo in
 * `X-CSRF-Token` (the synchronizer pattern; SameSite=Strict alone leaves older browsers open).
 */
@Injectable()
export class SessionStore {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.ttlSeconds = config.cases.sessionHours * 3600;
  }

  get maxAgeSeconds(): number {
    return this.ttlSeconds;
  }

  async open(analyst: string, now = new Date()): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const session: Session = {
      analyst,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: new Date(now.getTime() + this.ttlSeconds * 1000).toISOString(),
    };
    await this.client.redis.set(keyOf(token), JSON.stringify(session), 'EX', this.ttlSeconds);
    return { token, session };
  }

  async find(token: string): Promise<Session | null> {
    const raw = await this.client.redis.get(keyOf(token));
    if (raw === null) return null;
    try {
      return sessionSchema.parse(JSON.parse(raw));
    } catch {
      return null;
    }
  }

  async close(token: string): Promise<void> {
    await this.client.redis.del(keyOf(token));
  }
}

/** Whether a presented CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(session.csrf).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value for a session (an empty value and Max-Age=0 clears it). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${String(maxAgeSeconds)}${secure ? '; Secure' : ''}`;
}
