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

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Items per page (1–200)'),
  cursor: z.string().max(200).optional().describe('`next_cursor` of the previous page'),
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
