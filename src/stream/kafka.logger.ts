import './send-messages';
import { Logger } from '@nestjs/common';
import { logLevel, type logCreator } from 'kafkajs';

/**
 * Start-up warnings that are wrong for this service. The producer's retries are bounded on
 * purpose: a send that keeps failing aborts its Kafka transaction and the consumer retries the
 * whole batch, which keeps exactly-once; unbounded retries would instead hang the batch.
 */
const IGNORED = ['Limiting retries for the idempotent producer'];

/**
 * Routine broker refusals that kafkajs retries at once: CONCURRENT_TRANSACTIONS comes whenever
 * a partition's next transaction starts while the previous one's markers are still being
 * written (many times a minute under load). If the retries run out, the batch fails and the
 * consumer logs that itself.
 */
const ROUTINE = ['another concurrent operation on the same transaction'];

/** Routes kafkajs's own logs into the service's JSON log, warnings and up only. */
export const kafkaLogCreator: logCreator = () => {
  const logger = new Logger('kafkajs');
  return ({ namespace, level, log }) => {
    const { message, ...rest } = log;
    if (IGNORED.some((text) => message.startsWith(text))) return;
    if (ROUTINE.some((text) => message.includes(text) || String(log.error ?? '').includes(text))) return;
    const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'timestamp' && k !== 'logger'));
    const text = `${namespace}: ${message}${Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : ''}`;
    // kafkajs logs every error response from a broker at error level, including the
    // retriable ones it then retries (a coordinator still loading after a broker start). What
    // matters, a failed batch or a crashed consumer, is logged at error by the service itself.
    if (level === logLevel.ERROR && namespace !== 'Connection') logger.error(text);
    else if (level === logLevel.ERROR) logger.warn(text);
    else if (level === logLevel.WARN) logger.warn(text);
  };
};
