import { Logger } from '@nestjs/common';
import { JsonLogger, type LogSink } from '../../src/shared/json-logger';

declare global {
  /** Set by test/support/node-environment.cjs: the test file's service log. */
  var __serviceLog: LogSink | undefined;
}

/** The sink for a service started inside a test: the test file's log (see node-environment.cjs). */
export const testLogSink: LogSink = (line, stream) => {
  if (globalThis.__serviceLog) globalThis.__serviceLog(line, stream);
  else process[stream].write(`${line}\n`);
};

// Services built without createApp (integration tests wire them by hand) log through Nest's
// static Logger: the same JSON lines to the same file.
Logger.overrideLogger(new JsonLogger('warn', testLogSink));

/** A test's own note (a measurement, a count): into the same log, beside the service's lines. */
export const testNote = (line: string): void => {
  testLogSink(JSON.stringify({ level: 'note', timestamp: Date.now(), message: line }), 'stdout');
};
