import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { sequenceBroken } from './producer-errors';

// As kafkajs makes them: the broker's error name as `type`, and after its own retries the last
// error as the `cause` of a KafkaJSNumberOfRetriesExceeded (src/retry/index.js).
const protocolError = (type: string) => Object.assign(new KafkaJSProtocolError('broker said no'), { type });
const afterRetries = (cause: Error) => Object.assign(new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1000 }), { cause });

describe('producer sequence errors', () => {
  it('are told by the broker error name, also when kafkajs wraps them after its retries', () => {
    expect(sequenceBroken(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER'))).toBe(true);
    expect(sequenceBroken(afterRetries(protocolError('UNKNOWN_PRODUCER_ID')))).toBe(true);
  });

  it('leave fencing and transient errors to the commit loop as before', () => {
    for (const type of ['INVALID_PRODUCER_EPOCH', 'NOT_LEADER_FOR_PARTITION', 'REQUEST_TIMED_OUT'])
      expect(sequenceBroken(afterRetries(protocolError(type)))).toBe(false);
    expect(sequenceBroken(new Error('socket hang up'))).toBe(false);
    expect(sequenceBroken(null)).toBe(false);
  });
});
