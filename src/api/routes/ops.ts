import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorMessage, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }).meta({ id: 'Health' }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database and the job queue are reachable',
        security: [],
        response: { 200: z.object({ status: z.literal('ready') }).meta({ id: 'Ready' }), 503: z.any() },
      },
    },
    async () => {
      try {
        await deps.checkReady();
      } catch (error) {
        throw new ServiceError('unavailable', `not ready: ${errorMessage(error)}`);
      }
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (HTTP, jobs, LLM calls, tokens, cost)',
        description:
          'Needs an API key when the server is bound to a non-loopback address, unless PUBLIC_OPS_ENDPOINTS=true (the same holds for /docs and /openapi.json).',
        security: [{ bearer: [] }, {}],
        response: { 200: z.string() },
      },
    },
    async (_request, reply) => {
      const registry = deps.processMetrics ? await deps.processMetrics() : deps.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default routes;
