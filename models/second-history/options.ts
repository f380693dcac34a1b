import { parseHistoryCommand } from '../shared/history-options';
import { HELD_OUT_DAYS } from './drift';
import type { HistoryOptions } from './history';

export interface GenerateOptions {
  readonly out: string;
  readonly history: HistoryOptions;
}

export type ParsedOptions = { readonly ok: true; readonly options: GenerateOptions } | { readonly ok: false; readonly error: string };

/** The command line of generate.ts (`npm run simulate:second`), checked; its own seed (7) by default. */
export function parseOptions(args: readonly string[]): ParsedOptions {
  const parsed = parseHistoryCommand(args, { seed: 7, driftDaysBeforeEnd: HELD_OUT_DAYS });
  if (!parsed.ok) return parsed;
  const { out, seed, customers, days, start, driftFrom } = parsed.options;
  const history: HistoryOptions = { seed, customers, days, start };
  return { ok: true, options: { out, history: driftFrom === undefined ? history : { ...history, drift: { from: driftFrom } } } };
}
