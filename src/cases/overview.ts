import type { Decision } from '../transactions/transaction.schema';
import type { CaseVerdict } from './case';

/** The overview reads at most two hours of minutes and 30 days of rules. */
export const OVERVIEW_LIMITS = { minutes: 120, days: 30 } as const;

/** The minute (UTC, `YYYY-MM-DDTHH:MM`) and day (`YYYY-MM-DD`) an instant falls in: the overview's buckets. */
export const minuteOf = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** What one batch of fresh decisions adds: decisions by outcome (the minute's hash) and hits by rule (the day's). */
export function batchCounts(decisions: readonly Pick<Decision, 'decision' | 'ruleHits'>[]): { outcomes: Map<string, number>; hits: Map<string, number> } {
  const outcomes = new Map<string, number>();
  const hits = new Map<string, number>();
  for (const d of decisions) {
    outcomes.set(d.decision, (outcomes.get(d.decision) ?? 0) + 1);
    for (const rule of new Set(d.ruleHits)) hits.set(`hits:${rule}`, (hits.get(`hits:${rule}`) ?? 0) + 1);
  }
  return { outcomes, hits };
}

/** What an analyst's verdict adds to the day's hash: one fraud or legitimate per rule the decision hit; nothing for inconclusive. */
export function verdictCounts(verdict: CaseVerdict, ruleHits: readonly string[]): Map<string, number> {
  if (verdict === 'inconclusive') return new Map();
  return new Map([...new Set(ruleHits)].map((rule) => [`${verdict}:${rule}`, 1]));
}

export interface Overview {
  readonly generatedAt: string;
  readonly minutes: { readonly minute: string; readonly approve: number; readonly deny: number; readonly review: number }[];
  readonly days: number;
  readonly queue: { readonly open: number; readonly oldestOpenedAt: string | null };
  readonly rules: { readonly rule: string; readonly hits: number; readonly fraud: number; readonly legitimate: number; readonly precision: number | null }[];
}

const count = (hash: Record<string, string>, field: string): number => {
  const n = Number(hash[field] ?? 0);
  return Number.isFinite(n) ? n : 0;
};

/**
 * The overview from the counters every instance adds to: per minute (oldest first, as read),
 * and per day, summed over the days read; rules by hits, the top `topRules`, each with the
 * precision of the analysts' verdicts on the cases it opened (null before any verdict).
 */
export function summarise(
  now: number,
  minutes: readonly { minute: string; hash: Record<string, string> }[],
  days: readonly Record<string, string>[],
  queue: Overview['queue'],
  topRules = 10,
): Overview {
  const byRule = new Map<string, { hits: number; fraud: number; legitimate: number }>();
  for (const hash of days) {
    for (const [field, value] of Object.entries(hash)) {
      const at = field.indexOf(':');
      const kind = field.slice(0, at);
      if (kind !== 'hits' && kind !== 'fraud' && kind !== 'legitimate') continue;
      const rule = field.slice(at + 1);
      const entry = byRule.get(rule) ?? { hits: 0, fraud: 0, legitimate: 0 };
      entry[kind] += Number.isFinite(Number(value)) ? Number(value) : 0;
      byRule.set(rule, entry);
    }
  }
  const rules = [...byRule]
    .map(([rule, c]) => ({ rule, ...c, precision: c.fraud + c.legitimate === 0 ? null : c.fraud / (c.fraud + c.legitimate) }))
    .sort((a, b) => b.hits - a.hits || a.rule.localeCompare(b.rule))
    .slice(0, topRules);
  return {
    generatedAt: new Date(now).toISOString(),
    minutes: minutes.map(({ minute, hash }) => ({ minute, approve: count(hash, 'approve'), deny: count(hash, 'deny'), review: count(hash, 'review') })),
    days: days.length,
    queue,
    rules,
  };
}
