/**
 * The command line both history generators take (`npm run simulate`, `npm run simulate:second`),
 * parsed and checked in one place: a wrong option or an unknown flag is refused with the reason
 * before anything is generated.
 *
 *   --out DIR [--days 120] [--customers 10000] [--seed N] [--start 2026-01-01] [--drift [--drift-from YYYY-MM-DD]]
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

const DAY_MS = 86_400_000;

export interface HistoryCommand {
  readonly out: string;
  readonly days: number;
  readonly customers: number;
  readonly seed: number;
  /** Epoch milliseconds of the first day's UTC midnight. */
  readonly start: number;
  /** UTC midnight from which the generator's drift scenario runs; absent without --drift. */
  readonly driftFrom?: number;
}

export interface HistoryDefaults {
  readonly seed: number;
  /** With --drift alone, the scenario starts this many days before the end (the held-out window). */
  readonly driftDaysBeforeEnd: number;
}

export type ParsedHistoryCommand = { readonly ok: true; readonly options: HistoryCommand } | { readonly ok: false; readonly error: string };

const utcDay = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

const schemaFor = (defaults: HistoryDefaults) =>
  z
    .object({
      out: z.string().min(1, '--out DIR is required'),
      days: z.coerce.number().int().min(1).max(3650),
      customers: z.coerce.number().int().min(1).max(1_000_000),
      seed: z.coerce.number().int().min(0).max(0xffffffff),
      start: z.iso.date(),
      drift: z.boolean(),
      'drift-from': z.iso.date().optional(),
    })
    .transform((args, ctx): HistoryCommand => {
      const start = utcDay(args.start);
      const base = { out: args.out, days: args.days, customers: args.customers, seed: args.seed, start };
      const given = args['drift-from'];
      if (!args.drift) {
        // A drift start alone would silently generate the history without drift.
        if (given !== undefined) ctx.addIssue({ code: 'custom', path: ['drift-from'], message: '--drift-from needs --drift' });
        return base;
      }
      const driftFrom = given === undefined ? start + (args.days - defaults.driftDaysBeforeEnd) * DAY_MS : utcDay(given);
      const lastDay = start + (args.days - 1) * DAY_MS;
      if (driftFrom < start || driftFrom > lastDay) {
        const which =
          given === undefined
            ? `the default drift start (${String(defaults.driftDaysBeforeEnd)} days before the end), ${isoDay(driftFrom)},`
            : `--drift-from ${given}`;
        ctx.addIssue({ code: 'custom', path: ['drift-from'], message: `${which} is outside the generated period ${isoDay(start)} to ${isoDay(lastDay)}` });
      }
      return { ...base, driftFrom };
    });

export function parseHistoryCommand(args: readonly string[], defaults: HistoryDefaults): ParsedHistoryCommand {
  let values: unknown;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        out: { type: 'string', default: '' },
        days: { type: 'string', default: '120' },
        customers: { type: 'string', default: '10000' },
        seed: { type: 'string', default: String(defaults.seed) },
        start: { type: 'string', default: '2026-01-01' },
        drift: { type: 'boolean', default: false },
        'drift-from': { type: 'string' },
      },
    }));
  } catch (error: unknown) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const parsed = schemaFor(defaults).safeParse(values);
  return parsed.success ? { ok: true, options: parsed.data } : { ok: false, error: z.prettifyError(parsed.error) };
}
