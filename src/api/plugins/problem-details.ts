/**
 * Every error leaves as RFC 9457 problem+json: our ServiceErrors, Fastify's validation and parser errors, unknown
 * routes (404), known routes with the wrong method (405 with Allow), oversized bodies (413) and unsupported media
 * types (415). 5xx details are logged with the request id and hidden from the client.
 */
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { type ProblemFieldError, type ProblemKind, problemStatus, ServiceError } from '../../lib/errors.ts';

const titles: Record<ProblemKind, string> = {
  validation: 'Invalid request',
  unauthorized: 'Unauthorized',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'not-acceptable': 'Not acceptable',
  conflict: 'Conflict',
  'payload-too-large': 'Payload too large',
  'uri-too-long': 'URI too long',
  'unsupported-media-type': 'Unsupported media type',
  'range-not-satisfiable': 'Range not satisfiable',
  unprocessable: 'Unprocessable request',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

export const problemTypeBase = 'https://datagen.local/problems/';

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: ProblemKind,
  detail: string,
  errors?: ProblemFieldError[],
  extra?: Record<string, unknown>,
) {
  const status = problemStatus[kind];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `${problemTypeBase}${kind}`,
      title: titles[kind],
      status,
      detail,
      instance: request.url,
      requestId: request.id,
      ...(errors && errors.length > 0 ? { errors } : {}),
      ...extra,
    });
}

function kindForStatus(status: number): ProblemKind {
  const found = (Object.entries(problemStatus) as Array<[ProblemKind, number]>).find(([, s]) => s === status);
  if (found) return found[0];
  return status >= 500 ? 'internal' : 'validation';
}

/**
 * Errors the router raises before any hook runs (fastify's `frameworkErrors`): a path segment longer than
 * `maxParamLength`, a malformed percent-encoding.
 */
export function frameworkProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(request, reply, 'uri-too-long', 'a path segment is too long (ids are at most 100 characters)');
  }
  return sendProblem(request, reply, 'validation', `the URL is malformed: ${error.message}`);
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a malformed request line, headers too large, a body
 * that cannot be delimited) still get a problem+json answer (fastify's `clientErrorHandler`).
 */
export function clientErrorProblem(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (error.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    type: `${problemTypeBase}${tooLarge ? 'request-header-fields-too-large' : 'bad-request'}`,
    title: tooLarge ? 'Request header fields too large' : 'Bad request',
    status,
    detail: tooLarge ? 'the request headers are too large' : 'the request is not valid HTTP',
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

interface RouteShape {
  pattern: RegExp;
  methods: Set<string>;
}

export default fp(async function problemDetails(app: FastifyInstance) {
  const routes: RouteShape[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(
      `^${route.url
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[A-Za-z_]+/g, '[^/]+')
        .replace(/\*/g, '.*')}$`,
    );
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const existing = routes.find((r) => r.pattern.source === pattern.source);
    if (existing) for (const m of methods) existing.methods.add(m);
    else routes.push({ pattern, methods: new Set(methods) });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m);
    if (allowed.size > 0 && !allowed.has(request.method)) {
      reply.header('allow', [...allowed].filter((m) => m !== 'HEAD').join(', '));
      return sendProblem(request, reply, 'method-not-allowed', `${request.method} is not allowed on ${path}`);
    }
    return sendProblem(request, reply, 'not-found', `no route ${request.method} ${path}`);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ServiceError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, error.kind, error.message, error.errors, error.extra);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'request';
      const errors = error.validation.map((v) => ({
        path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid value',
      }));
      return sendProblem(request, reply, 'validation', `the ${where} is invalid`, errors);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(request, reply, 'internal', 'internal error');
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, 'internal', 'internal error');
    }
    // Fastify's own client errors: malformed JSON, body too large, unsupported content type …
    const detail =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
        ? `unsupported content type ${request.headers['content-type'] ?? '(none)'}`
        : error.message;
    return sendProblem(request, reply, kindForStatus(status), detail);
  });
});
