import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultDriftFrom, DRIFT_DAYS_BEFORE_END } from './drift';
import { DAY } from './time';

export interface SimulateOptions {
  readonly out: string;
  readonly days: number;
  readonly customers: number;
  readonly seed: number;
  /** Epoch milliseconds of the first simulated day's UTC midnight. */
  readonly start: number;
  /** UTC midnight from which the charity ring operates; absent without --drift. */
  readonly driftFrom?: number;
}

const utcDay = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

const argsSchema = z
  .object({
    out: z.string().min(1, '--out DIR is required'),
    days: z.coerce.number().int().min(1).max(3650),
    customers: z.coerce.number().int().min(1).max(1_000_000),
    seed: z.coerce.number().int().min(0).max(0xffffffff),
    start: z.iso.date(),
    drift: z.boolean(),
    'drift-from': z.iso.date().optional(),
  })
  .transform((args, ctx) => {
    const start = utcDay(args.start);
    const base = { out: args.out, days: args.days, customers: args.customers, seed: args.seed, start };
    const given = args['drift-from'];
    if (!args.drift) {
      if (given !== undefined) ctx.addIssue({ code: 'custom', path: ['drift-from'], message: '--drift-from needs --drift' });
      return base;
    }
    const driftFrom = given === undefined ? defaultDriftFrom(start, args.days) : utcDay(given);
    const lastDay = start + (args.days - 1) * DAY;
    if (driftFrom < start || driftFrom > lastDay) {
      const which =
        given === undefined ? `the default drift start (${DRIFT_DAYS_BEFORE_END} days before the end), ${isoDay(driftFrom)},` : `--drift-from ${given}`;
      ctx.addIssue({ code: 'custom', path: ['drift-from'], message: `${which} is outside the simulated period ${isoDay(start)} to ${isoDay(lastDay)}` });
    }
    return { ...base, driftFrom };
  });

export type ParsedOptions = { readonly ok: true; readonly options: SimulateOptions } | { readonly ok: false; readonly error: string };

/** The command line of `npm run simulate`, checked; an unknown flag is an error like a bad value. */
export function parseOptions(args: readonly string[]): ParsedOptions {
  let values: unknown;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string', default: '' },
        days: { type: 'string', default: '120' },
        customers: { type: 'string', default: '10000' },
        seed: { type: 'string', default: '42' },
        start: { type: 'string', default: '2026-01-01' },
        drift: { type: 'boolean', default: false },
        'drift-from': { type: 'string' },
      },
    }));
  } catch (error: unknown) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const parsed = argsSchema.safeParse(values);
  return parsed.success ? { ok: true, options: parsed.data } : { ok: false, error: z.prettifyError(parsed.error) };
}
