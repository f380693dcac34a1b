import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cookieValue, SESSION_COOKIE, sessionCookie, SessionStore, signInSchema } from '../cases/session.store';
import { consoleSessionSchema } from './api-schemas';
import { analystForKey, ApiKeyRegistry, consoleSessionOf, ReviewGuard } from './auth.guard';
import { ApiError, parsedOr } from './errors';

const secure = (request: FastifyRequest): boolean => request.protocol === 'https';

/**
 * The analyst console's sign-in: a review (or admin) key in exchange for a session cookie and
 * the session's CSRF token; the key itself is never stored or echoed.
 */
@Controller('console/session')
export class SessionsController {
  constructor(
    private readonly keys: ApiKeyRegistry,
    private readonly sessions: SessionStore,
  ) {}

  @Post()
  @HttpCode(201)
  async signIn(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.infer<typeof consoleSessionSchema>> {
    const { key } = parsedOr('INVALID_CASE_REQUEST', signInSchema, body);
    if (!this.keys.reviewEnabled) throw new ApiError('REVIEW_DISABLED');
    const { token, session } = await this.sessions.open(analystForKey(this.keys, key));
    void reply.header('set-cookie', sessionCookie(token, this.sessions.maxAgeSeconds, secure(request)));
    return { analyst: session.analyst, csrfToken: session.csrf, expiresAt: session.expiresAt };
  }

  /** The signed-in analyst and the CSRF token, for a console page loaded again. */
  @Get()
  @UseGuards(ReviewGuard)
  current(@Req() request: FastifyRequest): z.infer<typeof consoleSessionSchema> {
    // The session the guard found; a bearer key has none to give.
    const session = consoleSessionOf(request);
    if (session === null) throw new ApiError('UNAUTHENTICATED');
    return { analyst: session.analyst, csrfToken: session.csrf, expiresAt: session.expiresAt };
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(ReviewGuard)
  async signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (token !== undefined) await this.sessions.close(token);
    void reply.header('set-cookie', sessionCookie('', 0, secure(request)));
  }
}
