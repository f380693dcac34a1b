import { NestFactory } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/config';
import { AppModule } from './app.module';
import { stampArrivals } from './http/arrival';
import type { ErrorCode } from './http/errors';
import { toApiError } from './http/http-exception.filter';
import { guardRoutes } from './http/routes';
import { Metrics } from './metrics/metrics';
import { JsonLogger, type LogSink } from './shared/json-logger';

/** Builds the application the same way for main.ts and the e2e tests (which keep its log per test file). */
export async function createApp(config: AppConfig, options: { logSink?: LogSink } = {}): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(config.log.level, options.logSink);
  // Set once the metrics exist; the router can only refuse requests after that.
  let onRefused: (code: ErrorCode) => void = () => undefined;
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter({
      bodyLimit: config.http.bodyLimitBytes,
      logger: false,
      // An id is at most 128 characters, and one character percent-encodes to at most 12
      // (4 UTF-8 bytes): Fastify's default of 100 refused ids the contract allows, with 414.
      routerOptions: { maxParamLength: 128 * 12 },
      // The router's own refusals (a longer path segment, bad percent-encoding) go out in the API's error shape.
      frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
        const refusal = toApiError(error);
        onRefused(refusal.code);
        void reply.code(refusal.status).send(refusal.toBody());
      },
    }),
    // Not bufferLogs: the logger exists before the app, and buffered lines were all stamped
    // with the time they were flushed.
    { logger },
  );
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(Metrics);
  onRefused = (code) => {
    metrics.rejected.inc({ source: 'http', code });
  };
  guardRoutes(fastify, onRefused);
  stampArrivals(fastify, {
    shedLoopDelayMs: config.http.shedLoopDelayMs,
    onShed: () => {
      metrics.rejected.inc({ source: 'http', code: 'OVERLOADED' });
    },
  });
  app.enableShutdownHooks();
  return app;
}
