/**
 * Authentication is decided on the route the router matched, not on the raw URL: every /v1 operation, reached through
 * every percent-encoding of its `/v1/` prefix, answers 401 problem+json without a key (404 where the encoding makes
 * the path another one, such as an encoded slash), and never acts as an anonymous tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, isProblem, operations, rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
  await t.clientForNewTenant('owner'); // keys exist: every /v1 request needs one
});
afterAll(async () => {
  await t?.stop();
});

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');
/**
 * Every way to spell `/v1/` with percent-encodings, upper- and lower-case hex, and double encoding. The leading slash
 * stays literal: a request target must start with one, or Node's parser refuses the request before any route.
 */
function prefixSpellings(): Array<{ prefix: string; decodesToV1: boolean }> {
  const chars = ['v', '1', '/'];
  const spellings: Array<{ prefix: string; decodesToV1: boolean }> = [];
  for (let mask = 1; mask < 1 << chars.length; mask++) {
    for (const upper of [false, true]) {
      const prefix = chars.map((c, i) => (mask & (1 << i) ? `%${upper ? hex(c).toUpperCase() : hex(c)}` : c)).join('');
      // An encoded slash is not a separator to the router, so those spellings name no route.
      const decodesToV1 = !(mask & 0b100);
      spellings.push({ prefix: `/${prefix}`, decodesToV1 });
    }
  }
  spellings.push({ prefix: '/%2576%2531/', decodesToV1: false });
  return spellings;
}

const v1Operations = operations.filter((op) => op.path.startsWith('/v1/'));

describe('percent-encoded /v1 prefixes', () => {
  it('covers every /v1 operation of the OpenAPI document', () => {
    expect(v1Operations.length).toBeGreaterThan(20);
  });

  for (const op of v1Operations) {
    it(`${op.method} ${op.path}`, async () => {
      const path = fillPath(op.path, (name) => (name === '*' ? 'pretraining_run/x.yaml' : 'x_1')).slice('/v1/'.length);
      for (const { prefix, decodesToV1 } of prefixSpellings()) {
        const response = await rawRequest(t.baseUrl, {
          method: op.method,
          path: `${prefix}${path}`,
          headers: op.bodyTypes.includes('application/json') ? { 'content-type': 'application/json' } : {},
          body: op.bodyTypes.includes('application/json') ? '{"name":"x"}' : undefined,
        });
        const where = `${op.method} ${prefix}${path}`;
        expect(isProblem(response), where).toBe(true);
        if (decodesToV1) expect(response.status, where).toBe(401);
        else expect([401, 404, 405], where).toContain(response.status);
      }
    });
  }

  it('created nothing for anyone, and the server still answers', async () => {
    const { client } = await t.clientForNewTenant('checker');
    const projects = await t.database.db.execute('select count(*)::int as n from projects');
    expect((projects as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(0);
    expect((await client.GET('/v1/projects')).response.status).toBe(200);
  });
});
