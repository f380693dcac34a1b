import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/config';
import { AppModule } from './app.module';
import { stampArrivals } from './http/arrival';
import { Metrics } from './metrics/metrics';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the application the same way for main.ts and the e2e tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = new ConsoleLogger({
    json: true,
    colors: false,
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.log.level) + 1),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes, logger: false }),
    { logger, bufferLogs: true },
  );
  const metrics = app.get(Metrics);
  stampArrivals(app.getHttpAdapter().getInstance(), {
    shedLoopDelayMs: config.http.shedLoopDelayMs,
    onShed: () => { metrics.rejected.inc({ source: 'http', code: 'OVERLOADED' }); },
  });
  app.enableShutdownHooks();
  return app;
}
