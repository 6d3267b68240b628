import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../../tools/openapi-document.ts';

describe('openapi/openapi.json', () => {
  it('is up to date with the route schemas (run `npm run openapi` when this fails)', async () => {
    const committed = await readFile('openapi/openapi.json', 'utf8');
    expect(committed).toBe(await renderOpenApi());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const api = await SwaggerParser.validate('openapi/openapi.json');
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('documents problem+json errors on every operation', async () => {
    const doc = JSON.parse(await readFile('openapi/openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses), `${method} ${path}`).toContain('404');
      }
    }
  });
});
