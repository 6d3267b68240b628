import { expect, it } from 'vitest';
import { accessFor } from '../../../src/api/plugins/auth.ts';
import { findNulStrings } from '../../../src/api/plugins/input-guard.ts';
import { isLoopbackAddress } from '../../../src/lib/network.ts';

it('protects every route but the listed public and ops ones', () => {
  expect(accessFor('/healthz')).toBe('public');
  expect(accessFor('/readyz')).toBe('public');
  for (const route of ['/metrics', '/openapi.json', '/docs', '/docs/static/*']) expect(accessFor(route)).toBe('ops');
  for (const route of ['/v1/projects', '/v1/runs/:id/artifacts/*', '/anything-new', '/docsx']) {
    expect(accessFor(route)).toBe('tenant');
  }
});

it('knows loopback addresses', () => {
  for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
  for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1'])
    expect(isLoopbackAddress(a), a).toBe(false);
});

it('finds NUL in nested values and keys, without recursion', () => {
  expect(
    findNulStrings({ a: ['ok', { b: 'x\u0000' }], 'k\u0000': 1 }, 'body')
      .map((e) => e.path)
      .sort(),
  ).toEqual(['body.a.1.b', 'body.k\u0000']);
  let deep: unknown = 'end\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(findNulStrings(deep, 'body')).toHaveLength(1);
  expect(findNulStrings({ a: 'clean' }, 'body')).toEqual([]);
});
