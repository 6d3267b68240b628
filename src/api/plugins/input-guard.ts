/**
 * Refuses input PostgreSQL cannot store before any route sees it: a NUL character (U+0000) in a path parameter,
 * a query parameter or a JSON body makes a `text` or `jsonb` parameter fail inside the database, which would
 * otherwise surface as a 500. The answer is a 400 naming the field.
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
  });
});
