import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const Problem = z
  .object({
    type: z.string().describe('A URI naming the kind of problem; stable, documented in the README'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('For validation problems: every failing field, by path'),
  })
  .meta({ id: 'Problem' });

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/** Error responses every route may give; spread into each route's `response`. */
export const problemResponses = {
  400: Problem.describe('Invalid request: see `errors` for each failing field'),
  401: Problem.describe('Missing or unknown API key'),
  404: Problem.describe('No such resource (or it belongs to another tenant)'),
} as const;

export const problemContent = problem;

/**
 * An opaque cursor as this service hands them out: base64url of printable text. Checked here so a forged one (say
 * `AA`, a NUL) is a 400 rather than a database error.
 */
export const Cursor = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .refine((cursor) => {
      const text = Buffer.from(cursor, 'base64url').toString('utf8');
      return (
        text.length > 0 && !/[\u0000-\u001f\u007f]/.test(text) && Buffer.from(text).toString('base64url') === cursor
      );
    }, 'not a cursor returned by this service (use `next_cursor` of the previous page)');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1–200)'),
  cursor: Cursor(200).optional().describe('`next_cursor` of the previous page'),
});

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      next_cursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page'),
    })
    .meta({ id });

export const IdParam = (name: string, prefix: string) =>
  z.object({ id: z.string().min(1).max(100).describe(`${name} id (\`${prefix}_…\`)`) });

export const Timestamp = z.string().describe('ISO 8601 UTC');

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Validator for routes that read their body themselves (a multipart stream, a YAML config parsed by the config
 * module): the body schema only documents it, while params, querystring and headers are still validated.
 */
// biome-ignore lint/suspicious/noExplicitAny: fastify types a route's compiler by that route's own schema object
export const validateAllButBody: FastifySchemaCompiler<any> = (route) =>
  route.httpPart === 'body'
    ? (value) => ({ value })
    : // fastify types `route.schema` as the whole route schema; at run time it is the one part being compiled.
      validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
