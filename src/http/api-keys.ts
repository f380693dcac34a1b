import { createHash, timingSafeEqual } from 'node:crypto';

export type Scope = 'admin' | 'scoring';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The configured API keys and their scopes. Keys are kept and compared as SHA-256 digests:
 * equal-length buffers make timingSafeEqual applicable whatever was presented, and every key
 * is compared (no early exit), so the time taken says nothing about which key came close.
 */
export class ApiKeys {
  private readonly keys: readonly { digest: Buffer; scope: Scope }[];

  constructor(adminKeys: readonly string[], scoringKeys: readonly string[]) {
    this.keys = [
      ...adminKeys.map((key) => ({ digest: digest(key), scope: 'admin' as const })),
      ...scoringKeys.map((key) => ({ digest: digest(key), scope: 'scoring' as const })),
    ];
  }

  get adminEnabled(): boolean {
    return this.keys.some((key) => key.scope === 'admin');
  }

  get scoringOpen(): boolean {
    return !this.keys.some((key) => key.scope === 'scoring');
  }

  /** The scope of the presented key, or null when it is not a configured key. */
  scopeOf(presented: string): Scope | null {
    const given = digest(presented);
    let scope: Scope | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, given)) scope = key.scope;
    }
    return scope;
  }
}

/** The key from an `Authorization: Bearer <key>` header; null when absent or another scheme. */
export function bearerKey(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}
