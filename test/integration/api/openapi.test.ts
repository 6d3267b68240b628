import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
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

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'openapi/openapi.json', '--format=summary'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const output = `${stdout}\n${stderr}`;
    expect(output).toContain('Your API description is valid');
    expect(output).not.toMatch(/warning|error/i);
  }, 60_000);

  it('gives every operation an operationId, unique, for generated clients', async () => {
    const doc = JSON.parse(await readFile('openapi/openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
