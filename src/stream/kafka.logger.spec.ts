import { Logger } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka.logger';

describe('kafkaLogCreator', () => {
  const log = kafkaLogCreator(logLevel.WARN);
  const entry = (namespace: string, level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
    namespace,
    level,
    label: 'ERROR',
    log: { timestamp: '2026-12-01T00:00:00Z', logger: 'kafkajs', message, ...extra },
  });
  let error: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('drops the routine CONCURRENT_TRANSACTIONS refusals kafkajs retries, from the producer and the connection', () => {
    const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    log(entry('Producer', logLevel.ERROR, `Failed to send messages: ${concurrent}`, { retryCount: 0, retryTime: 20 }));
    log(entry('Connection', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: concurrent, correlationId: 7 }));
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('keeps other producer errors at error level and connection errors at warn', () => {
    log(entry('Producer', logLevel.ERROR, 'Failed to send messages: The request included a message larger than the max message size'));
    log(entry('Connection', logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' }));
    expect(error).toHaveBeenCalledWith(expect.stringContaining('Producer: Failed to send messages: The request included a message larger'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('The group coordinator is not available'));
  });
});
