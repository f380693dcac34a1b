import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Where a log line goes: the process's own streams in production, a buffer per test file in the tests. */
export type LogSink = (line: string, stream: 'stdout' | 'stderr') => void;

const processSink: LogSink = (line, stream) => {
  process[stream].write(`${line}\n`);
};

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

// An Error logged as a message would otherwise serialise as {}; a bigint would throw.
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value instanceof Error ? { name: value.name, message: value.message } : value;

/**
 * Nest's JSON console logger (one object per line: level, pid, timestamp in ms, message,
 * context, stack), writing each line to a sink.
 */
export class JsonLogger extends ConsoleLogger {
  constructor(
    level: LogLevel,
    private readonly sink: LogSink = processSink,
  ) {
    super({ json: true, colors: false, logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1) });
  }

  protected override printAsJson(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ): void {
    const entry = this.getJsonLogObject(message, options);
    let line: string;
    try {
      line = JSON.stringify(entry, replacer);
    } catch {
      line = JSON.stringify({ ...entry, message: String(message) });
    }
    this.sink(line, options.writeStreamType ?? 'stdout');
  }
}
