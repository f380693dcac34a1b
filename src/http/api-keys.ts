import { createHash, timingSafeEqual } from 'node:crypto';

export type Scope = 'admin' | 'scoring' | 'review';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The configured API keys and their scopes. Keys are kept and compared as SHA-256 digests:
 * equal-length buffers make timingSafeEqual applicable whatever was presented, and every key
 * is compared (no early exit), so the time taken says nothing about which key came close.
 */
export class ApiKeys {
  private readonly keys: readonly { digest: Buffer; scope: Scope; name: string }[];

  constructor(adminKeys: readonly string[], scoringKeys: readonly string[], reviewKeys: readonly { name: string; key: string }[] = []) {
    this.keys = [
      ...adminKeys.map((key) => ({ digest: digest(key), scope: 'admin' as const, name: 'admin' })),
      ...scoringKeys.map((key) => ({ digest: digest(key), scope: 'scoring' as const, name: 'scoring' })),
      ...reviewKeys.map(({ name, key }) => ({ digest: digest(key), scope: 'review' as const, name })),
    ];
  }

  get reviewEnabled(): boolean {
    return this.keys.some((key) => key.scope === 'review' || key.scope === 'admin');
  }

  get adminEnabled(): boolean {
    return this.keys.some((key) => key.scope === 'admin');
  }

  get scoringOpen(): boolean {
    return !this.keys.some((key) => key.scope === 'scoring');
  }

  /** The scope of the presented key, or null when it is not a configured key. */
  scopeOf(presented: string): Scope | null {
    return this.identify(presented)?.scope ?? null;
  }

  /** The scope and name of the presented key (a review key's analyst; `admin`, `scoring` otherwise), or null. */
  identify(presented: string): { readonly scope: Scope; readonly name: string } | null {
    const given = digest(presented);
    let found: { scope: Scope; name: string } | null = null;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, given)) found = { scope: key.scope, name: key.name };
    }
    return found;
  }
}

/** The key from an `Authorization: Bearer <key>` header; null when absent or another scheme. */
export function bearerKey(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1] ?? null;
}
