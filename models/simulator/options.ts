import { parseHistoryCommand, type HistoryCommand, type ParsedHistoryCommand } from '../shared/history-options';
import { DRIFT_DAYS_BEFORE_END } from './drift';

/** `npm run simulate`'s options; driftFrom is when the charity ring starts. */
export type SimulateOptions = HistoryCommand;

/** The command line of `npm run simulate`, checked; an unknown flag is an error like a bad value. */
export const parseOptions = (args: readonly string[]): ParsedHistoryCommand =>
  parseHistoryCommand(args, { seed: 42, driftDaysBeforeEnd: DRIFT_DAYS_BEFORE_END });
