import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Metrics } from '../metrics/metrics';
import { ApiError, type ErrorCode } from './errors';

/** Fastify's own body errors, by their stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_TOO_LARGE',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_BAD_URL: 'INVALID_URL',
};

export function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  const code = exception instanceof Error && 'code' in exception && typeof exception.code === 'string' ? FASTIFY_CODES[exception.code] : undefined;
  if (code) return new ApiError(code);
  if (exception instanceof HttpException) {
    if (exception.getStatus() === 404) return new ApiError('NOT_FOUND');
    if (exception.getStatus() === 413) return new ApiError('BODY_TOO_LARGE');
    if (exception.getStatus() === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE');
    if (exception.getStatus() === 400) return new ApiError('INVALID_JSON');
  }
  return new ApiError('INTERNAL');
}

/**
 * The one error funnel of the HTTP layer: every failure leaves as `{ error: { code, message,
 * details? } }` with a stable code. Parser messages are never echoed: V8's JSON errors quote
 * the body, and the body may hold a card number.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toApiError(exception);
    if (error.code === 'INTERNAL') this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : 'unknown error');
    this.metrics.rejected.inc({ source: 'http', code: error.code });
    if (error.code === 'UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer');
    // Whole seconds (RFC 9110): both conditions clear within a budget or two, so 1 s is the shortest honest wait.
    if (error.code === 'OVERLOADED' || error.code === 'DECISION_IN_PROGRESS') void reply.header('retry-after', '1');
    void reply.status(error.status).send(error.toBody());
  }
}
