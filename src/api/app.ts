/**
 * Builds the HTTP app from its dependencies. Composition only: library wiring, our plugins, then the routes in one
 * explicit list. The process (listening, signals) lives in src/main.ts, so tests build this same app.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { newId } from '../lib/ids.ts';
import type { AppDeps } from './deps.ts';
import auth from './plugins/auth.ts';
import inputGuard from './plugins/input-guard.ts';
import metrics from './plugins/metrics.ts';
import openapi from './plugins/openapi.ts';
import problemDetails, { clientErrorProblem, frameworkProblem } from './plugins/problem-details.ts';
import artifactRoutes from './routes/artifacts.ts';
import configRoutes from './routes/configs.ts';
import estimateRoutes from './routes/estimates.ts';
import eventRoutes from './routes/events.ts';
import fileRoutes from './routes/files.ts';
import opsRoutes from './routes/ops.ts';
import previewRoutes from './routes/previews.ts';
import projectRoutes from './routes/projects.ts';
import promptRoutes from './routes/prompts.ts';
import pushRoutes from './routes/pushes.ts';
import runRoutes from './routes/runs.ts';
import sourceRoutes from './routes/sources.ts';

export type { AppDeps } from './deps.ts';
export type App = FastifyInstance;

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // A client's X-Request-Id is used when it is a plain token of reasonable length; anything else (it is echoed
    // into headers, bodies and logs) is replaced by our own id.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : newId('request');
    },
    requestIdHeader: false,
    frameworkErrors: frameworkProblem,
    clientErrorHandler: clientErrorProblem,
    bodyLimit: 4 * 1024 * 1024,
    // No whole-request deadline: a 512 MiB upload streams for minutes. A socket idle for two minutes (a stalled
    // client) is closed instead; event streams send a heartbeat well inside that.
    connectionTimeout: 120_000,
    requestTimeout: 0,
    // Close idle keep-alive connections when closing; service.stop() also closes the ones that go idle later.
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // No route reads plain text: without Fastify's default parser, a text/plain body is a 415 like any other media
  // type a route does not take, instead of a string handed to a JSON schema (a confusing 400).
  app.removeContentTypeParser('text/plain');

  await app.register(problemDetails);
  await app.register(openapi);
  await app.register(multipart, {
    limits: { fileSize: deps.settings.maxUploadBytes, files: deps.settings.maxFilesPerUpload, fields: 20, parts: 200 },
  });
  await app.register(metrics, { registry: deps.registry });
  await app.register(inputGuard);
  await app.register(auth, {
    ...deps.auth,
    allowUnauthenticated: deps.settings.allowUnauthenticated,
    publicOps: deps.settings.publicOpsEndpoints,
  });

  const routes = [
    projectRoutes,
    sourceRoutes,
    fileRoutes,
    configRoutes,
    runRoutes,
    estimateRoutes,
    previewRoutes,
    eventRoutes,
    artifactRoutes,
    pushRoutes,
    promptRoutes,
    opsRoutes,
  ];
  for (const route of routes) await app.register(route, deps);
  return app;
}
