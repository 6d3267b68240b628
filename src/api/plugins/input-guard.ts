/**
 * Refuses input before any route sees it:
 * - a NUL character (U+0000) in a path parameter, a query parameter or a JSON body, which PostgreSQL cannot store
 *   in a `text` or `jsonb` parameter (it would otherwise surface as a 500);
 * - a query parameter the route does not declare (`?bogus=1`, `?cursor=` where the route has none), which would
 *   otherwise be ignored silently while unknown body keys are refused.
 * The answer is a 400 naming the field.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type ProblemFieldError, ServiceError } from '../../lib/errors.ts';

/** Paths of every string (or key) that holds a NUL, walking iteratively so a deeply nested body cannot overflow. */
export function findNulStrings(value: unknown, root: string, limit = 10): ProblemFieldError[] {
  const found: ProblemFieldError[] = [];
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0 && found.length < limit) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (current.includes('\u0000')) found.push({ path, message: 'must not contain a NUL character (U+0000)' });
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = `${path}.${key}`;
        if (key.includes('\u0000')) found.push({ path: childPath, message: 'a key must not contain a NUL character' });
        stack.push([child, childPath]);
      }
    }
  }
  return found;
}

export default fp(async function inputGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const errors = [
      ...findNulStrings(request.params, 'params'),
      ...findNulStrings(request.query, 'querystring'),
      ...findNulStrings(request.body, 'body'),
    ];
    if (errors.length > 0) throw new ServiceError('validation', 'the request contains a NUL character', { errors });
    const unknown = undeclaredQueryParameters(request);
    if (unknown.length > 0) {
      throw new ServiceError('validation', 'the request has query parameters this operation does not take', {
        errors: unknown.map((name) => ({ path: `querystring.${name}`, message: 'not a parameter of this operation' })),
      });
    }
  });
});

/** Query parameters of an API request that its route's schema does not declare. */
function undeclaredQueryParameters(request: FastifyRequest): string[] {
  if (
    !request.url.startsWith('/v1/') &&
    !['/healthz', '/readyz', '/metrics'].includes(request.url.split('?')[0] ?? '')
  ) {
    return [];
  }
  const given = Object.keys((request.query as Record<string, unknown> | undefined) ?? {});
  if (given.length === 0) return [];
  const schema = (request.routeOptions.schema as { querystring?: { shape?: Record<string, unknown> } } | undefined)
    ?.querystring;
  const declared = new Set(Object.keys(schema?.shape ?? {}));
  return given.filter((name) => !declared.has(name));
}
