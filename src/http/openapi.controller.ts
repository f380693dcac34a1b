import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { once } from '../shared/once';
import { ApiError } from './errors';
import { buildOpenApiDocument, DOCS_ASSETS } from './openapi';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Fraud detection service API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="docs"></div><script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/docs.js"></script></body>
</html>
`;

// Our own start-up script rather than an inline one, so a Content-Security-Policy without 'unsafe-inline' still allows the page.
const START = "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true });\n";

const uiDir = (): string => dirname(require.resolve('swagger-ui-dist/package.json'));

/** The files the page loads, by name, each read once: nothing else under the package is reachable. */
const ASSETS: Readonly<Record<(typeof DOCS_ASSETS)[number], { type: string; read: () => Buffer | string }>> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', read: once(() => readFileSync(join(uiDir(), 'swagger-ui.css'))) },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', read: once(() => readFileSync(join(uiDir(), 'swagger-ui-bundle.js'))) },
  'favicon-32x32.png': { type: 'image/png', read: once(() => readFileSync(join(uiDir(), 'favicon-32x32.png'))) },
  'docs.js': { type: 'text/javascript; charset=utf-8', read: () => START },
};

/** The API document at /openapi.json and a browsable page of it at /docs; both open, neither holds a secret. */
@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  docs(): string {
    return PAGE;
  }

  @Get('docs/assets/:file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    const name = DOCS_ASSETS.find((known) => known === file);
    if (name === undefined) throw new ApiError('NOT_FOUND');
    const asset = ASSETS[name];
    void reply.type(asset.type).header('cache-control', 'public, max-age=3600');
    return asset.read();
  }
}
