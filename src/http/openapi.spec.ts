import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { API_VERSION, buildOpenApiDocument, OPERATIONS, openApiPath } from './openapi';

const responseShape = z.object({ content: z.record(z.string(), z.object({ schema: z.unknown() })).optional() });
const documentShape = z.object({
  info: z.object({ version: z.string() }),
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        operationId: z.string(),
        parameters: z.array(z.object({ name: z.string(), in: z.enum(['path', 'query']) })).optional(),
        responses: z.record(z.string(), responseShape),
      }),
    ),
  ),
});

const errorCodes = (response: z.infer<typeof responseShape> | undefined): string[] => {
  const schema = z.object({ properties: z.object({ error: z.object({ properties: z.object({ code: z.object({ enum: z.array(z.string()) }) }) }) }) });
  return schema.parse(response?.content?.['application/json']?.schema).properties.error.properties.code.enum;
};

describe('the OpenAPI document', () => {
  const document = documentShape.parse(buildOpenApiDocument());
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

  it('is versioned like the package', () => {
    const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')));
    expect(document.info.version).toBe(API_VERSION);
    expect(API_VERSION).toBe(pkg.version);
  });

  it('names every operation once', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids).toHaveLength(OPERATIONS.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares each path parameter the path has, and no other', () => {
    for (const { path, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect({ path, params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name) }).toEqual({ path, params: inPath });
    }
    expect(openApiPath('/v1/overrides/:entity/:id/:action')).toBe('/v1/overrides/{entity}/{id}/{action}');
  });

  it("lists the auth errors on admin operations, body errors where there is a body, and the decision endpoint's own codes", () => {
    const byId = new Map(operations.map(({ op }) => [op.operationId, op]));
    expect(errorCodes(byId.get('listRules')?.responses['403'])).toEqual(['ADMIN_DISABLED', 'FORBIDDEN']);
    expect(errorCodes(byId.get('decide')?.responses['400'])).toEqual(['VALIDATION_FAILED', 'CARD_NUMBER_DETECTED', 'INVALID_JSON']);
    expect(errorCodes(byId.get('decide')?.responses['409'])).toEqual(['IDEMPOTENCY_CONFLICT', 'DECISION_IN_PROGRESS']);
    expect(byId.get('live')?.responses['401']).toBeUndefined();
    expect(errorCodes(byId.get('getDecision')?.responses['414'])).toEqual(['URI_TOO_LONG']);
  });
});
