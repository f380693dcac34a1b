/**
 * The command line of generate.ts, parsed and checked in one place: a wrong option is refused
 * with the reason before anything is generated.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDriftFrom, driftStartProblem, HELD_OUT_DAYS } from './drift';
import type { HistoryOptions } from './history';

export interface GenerateOptions {
  readonly out: string;
  readonly history: HistoryOptions;
}

const schema = z
  .object({
    out: z.string().min(1, '--out DIR is required'),
    days: z.coerce.number().int().min(1).max(3650),
    customers: z.coerce.number().int().min(1).max(1_000_000),
    seed: z.coerce.number().int().min(0).max(0xffffffff),
    start: z.iso.date(),
    drift: z.boolean(),
    'drift-from': z.iso.date().optional(),
  })
  .transform((o, ctx): GenerateOptions => {
    const start = Date.parse(`${o.start}T00:00:00Z`);
    const history: HistoryOptions = { seed: o.seed, customers: o.customers, days: o.days, start };
    const given = o['drift-from'];
    if (!o.drift) {
      // A drift start alone would silently generate the history without drift.
      if (given === undefined) return { out: o.out, history };
      ctx.addIssue({ code: 'custom', path: ['drift-from'], message: '--drift-from needs --drift' });
      return z.NEVER;
    }
    const from = given === undefined ? defaultDriftFrom(start, o.days) : Date.parse(`${given}T00:00:00Z`);
    const problem = driftStartProblem(start, o.days, from);
    if (problem !== undefined) {
      const why = given === undefined ? `${problem} (the default, ${String(HELD_OUT_DAYS)} days before the end: give --drift-from)` : problem;
      ctx.addIssue({ code: 'custom', path: ['drift-from'], message: why });
      return z.NEVER;
    }
    return { out: o.out, history: { ...history, drift: { from } } };
  });

/** Parses `--out DIR [--days 120] [--customers 10000] [--seed 7] [--start 2026-01-01] [--drift [--drift-from YYYY-MM-DD]]`. */
export function parseOptions(args: readonly string[]): z.ZodSafeParseResult<GenerateOptions> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      out: { type: 'string', default: '' },
      days: { type: 'string', default: '120' },
      customers: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '7' },
      start: { type: 'string', default: '2026-01-01' },
      drift: { type: 'boolean', default: false },
      'drift-from': { type: 'string' },
    },
  });
  return schema.safeParse(values);
}
