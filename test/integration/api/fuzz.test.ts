/**
 * A few thousand generated malformed requests against the real service: random methods, every path of the OpenAPI
 * document with mutated parameters, random query strings, bodies and headers, half with a valid key so they reach
 * the handlers. No answer may be a 5xx, every error must be problem+json, and the server must stay up. Seeded, so a
 * failure names the seed and request to replay; FUZZ_SEED and FUZZ_REQUESTS override the defaults.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Random, seededRandom } from '../../../src/lib/seeded-random.ts';
import { fillPath, isProblem, operations, rawRequest } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

const SEED = process.env.FUZZ_SEED ?? 'fuzz-1';
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const IN_FLIGHT = 8;

let t: TestService;
let key: string;
const real: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestService();
  const tenant = await t.clientForNewTenant('fuzz');
  key = tenant.key;
  const c = tenant.client;
  real.projects = (await c.POST('/v1/projects', { body: { name: 'fuzz' } })).data?.id as string;
  real.sources = (
    await c.POST('/v1/projects/{id}/sources', { params: { path: { id: real.projects } }, body: { name: 'docs' } })
  ).data?.id as string;
  const uploaded = await upload(t.baseUrl, real.sources, [{ name: 'a.txt', data: 'Fuzz text.' }], {
    authorization: `Bearer ${key}`,
  });
  real.files = uploaded.body.items?.[0]?.id as string;
  const config = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/projects/${real.projects}/configs`,
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${key}` },
    body: 'dataset_context: fuzz\n',
  });
  real.configs = (JSON.parse(config.body) as { id: string }).id;
  const run = await c.POST('/v1/projects/{id}/runs', {
    params: { path: { id: real.projects } },
    body: { config_id: real.configs },
  });
  real.runs = run.data?.id as string;
  // A finished run, so an event stream the fuzzer opens ends instead of following a live run.
  await c.POST('/v1/runs/{id}/cancel', { params: { path: { id: real.runs } } });
});
afterAll(async () => {
  await t?.stop();
});

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const nasty = [
  '%00',
  '%FF',
  '%C3%28',
  '%',
  '%zz',
  '..%2F..%2Fetc%2Fpasswd',
  '99999999999999999999',
  '-0',
  '1e400',
  '0x10',
  'AA',
  '%E2%80%AE',
  '__proto__',
  'constructor',
  '%20',
  '',
];

function randomText(r: Random, max: number): string {
  const length = r.int(0, max);
  let s = '';
  for (let i = 0; i < length; i++) {
    s += r.chance(0.8) ? String.fromCharCode(r.int(32, 126)) : String.fromCharCode(r.int(0, 0xffff));
  }
  return s;
}

/** Percent-encodes every byte but letters, digits and `/` (lone surrogates included, which encodeURIComponent refuses). */
const encode = (s: string) =>
  [...Buffer.from(s)]
    .map((b) =>
      /[A-Za-z0-9/]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

function mutateValue(r: Random, name: string, template: string): string {
  const resource = /\/v1\/(\w+)\/\{id\}/.exec(template)?.[1] ?? '';
  const roll = r.next();
  if (roll < 0.3 && name === 'id') return real[resource] ?? 'x_1';
  if (roll < 0.6) return r.pick(nasty);
  if (roll < 0.75) return 'x'.repeat(r.pick([1, 99, 100, 101, 500]));
  return encode(randomText(r, 40));
}

function jsonBody(r: Random): string {
  const choices = [
    () => '{"name": "fuzzed"}',
    () => '{"name": ',
    () => `{"name": "${'\\u0000'}"}`,
    () => '{"name": 1e400, "settings": {"variation_generation_counts": 99999999999999999999}}',
    () => `${'['.repeat(r.int(1, 20000))}`,
    () => `{"config_id": "${r.pick(nasty)}", "metadata": {"__proto__": {"x": 1}}}`,
    () => JSON.stringify({ name: randomText(r, 300), settings: { [randomText(r, 10)]: randomText(r, 10) } }),
    () => randomText(r, 200),
    () => '',
    () => 'null',
    () => '[]',
  ];
  return r.pick(choices)();
}

function makeRequest(r: Random) {
  const op = r.pick(operations);
  const method = r.chance(0.8) ? op.method : r.pick(methods);
  let path = fillPath(op.path, (name) => mutateValue(r, name, op.path));
  // DELETE with real ids would empty the fixtures the rest of the run needs.
  if (method === 'DELETE') path = path.replace(/(proj|src|file|cfg|run)_[0-9a-z]+/g, 'x_1');
  if (r.chance(0.5)) {
    const params = [...op.queryParams, 'bogus', 'limit', 'cursor'];
    const query = Array.from({ length: r.int(1, 3) }, () => `${r.pick(params)}=${mutateValue(r, 'q', '')}`);
    path += `?${query.join('&')}`;
  }
  const headers: Record<string, string> = {};
  if (r.chance(0.5)) headers.authorization = `Bearer ${key}`;
  else if (r.chance(0.3))
    headers.authorization = r.pick(['Bearer', 'Bearer ', 'Basic abc', `Bearer ${'k'.repeat(600)}`]);
  const bodyType = r.pick([
    ...op.bodyTypes,
    'application/json',
    'text/plain',
    'multipart/form-data',
    'application/yaml',
  ]);
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.8)) {
    headers['content-type'] = r.chance(0.1) ? randomText(r, 30).replace(/[^\x20-\x7e]/g, '') : bodyType;
    body = bodyType === 'multipart/form-data' ? `--B\r\n${randomText(r, 100)}` : jsonBody(r);
    if (bodyType === 'multipart/form-data' && r.chance(0.5))
      headers['content-type'] = 'multipart/form-data; boundary=B';
  }
  if (r.chance(0.1)) headers.range = r.pick(['bytes=0-', 'bytes=-0', 'bytes=99999999999999999999-', 'bytes=5-1', 'x']);
  if (r.chance(0.1)) headers.accept = 'text/event-stream';
  if (r.chance(0.1)) headers['last-event-id'] = r.pick(nasty).replace(/%/g, '');
  if (r.chance(0.1)) headers['idempotency-key'] = randomText(r, 300).replace(/[^\x20-\x7e]/g, '');
  if (r.chance(0.05)) headers['x-request-id'] = randomText(r, 300).replace(/[^\x21-\x7e]/g, '');
  return { method, path, headers, body };
}

it(`answers ${REQUESTS} generated malformed requests without a 5xx (seed ${SEED})`, async () => {
  const r = seededRandom(SEED);
  const requests = Array.from({ length: REQUESTS }, (_, i) => ({ i, ...makeRequest(r) }));
  const failures: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const request = requests[next++] as (typeof requests)[number];
      const response = await rawRequest(t.baseUrl, request).catch((error: Error) => ({
        status: 0,
        headers: {},
        body: `connection error: ${error.message}`,
      }));
      const bad =
        response.status === 0 ||
        response.status >= 500 ||
        (response.status >= 400 && request.method !== 'HEAD' && !isProblem(response));
      if (bad) {
        failures.push(
          `#${request.i} ${request.method} ${request.path} ${JSON.stringify(request.headers)} → ${response.status} ${response.body.slice(0, 200)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  expect(failures.slice(0, 10), `${failures.length} bad answers (seed ${SEED})`).toEqual([]);
  expect((await rawRequest(t.baseUrl, { method: 'GET', path: '/readyz' })).status).toBe(200);
});
