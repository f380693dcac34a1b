// Broker errors that leave a producer's sequence numbers out of step with the broker's: fatal
// for that producer (the Java client bumps its epoch; kafkajs never does, see kafkajs #598).
const SEQUENCE_ERRORS: ReadonlySet<string> = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']);

/** kafkajs's protocol errors carry the broker's error name as `type`, also on a retriable error's cause. */
export function sequenceBroken(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && SEQUENCE_ERRORS.has(type)) return true;
  }
  return false;
}
