import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { featureMeanings } from '../model/feature-docs';
import { once } from '../shared/once';
import { ApiError } from './errors';
import { CONSOLE_ASSETS } from './openapi';

// The files are copied beside the compiled code by the build (scripts/build.ts).
const WEB = join(__dirname, '..', 'console', 'web');

// Everything from this origin, nothing inline, never framed: the page shows what the API gives as
// text, and this keeps it so even if a bug ever put markup on it.
const POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const web = (file: string) => once(() => readFileSync(join(WEB, file), 'utf8'));
const PAGE = web('index.html');

/** The files the page loads, by name, each read once. */
const ASSETS: Readonly<Record<(typeof CONSOLE_ASSETS)[number], { type: string; read: () => string }>> = {
  'console.js': { type: 'text/javascript; charset=utf-8', read: web('console.js') },
  'console.css': { type: 'text/css; charset=utf-8', read: web('console.css') },
  'features.json': { type: 'application/json; charset=utf-8', read: once(() => JSON.stringify(featureMeanings())) },
};

/**
 * The analyst console's page and files (src/console/web): static, open (the API calls they
 * make are what need a session), and off with the cases API when CONSOLE_ENABLED is false.
 */
@Controller('console')
export class ConsoleController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.enabled();
    void reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache');
    return PAGE();
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): string {
    this.enabled();
    const name = CONSOLE_ASSETS.find((known) => known === file);
    if (name === undefined) throw new ApiError('NOT_FOUND');
    const asset = ASSETS[name];
    // no-cache: a new version of the console is picked up on the next load (revalidated, not refetched blind).
    void reply.type(asset.type).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache');
    return asset.read();
  }

  private enabled(): void {
    if (!this.config.cases.consoleEnabled) throw new ApiError('CONSOLE_DISABLED');
  }
}
