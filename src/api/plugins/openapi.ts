import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { polishOpenApi } from '../openapi-polish.ts';

export const apiInfo = {
  title: 'Factual datagen service',
  version: '0.1.0',
  description:
    "Turns a team's documents into continued-pretraining and SFT training data for a domain-expert LLM " +
    "(Augmentoolkit's Complete Factual Generation as a service). Errors are RFC 9457 problem+json.",
};

/** OpenAPI 3.1 from the route schemas (never written by hand), served at /openapi.json and browsable at /docs. */
export default fp(async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { ...apiInfo, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: 'http://127.0.0.1:8080' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'projects' },
        { name: 'sources' },
        { name: 'files' },
        { name: 'configs' },
        { name: 'runs' },
        { name: 'artifacts' },
        { name: 'prompts' },
        { name: 'ops' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => polishOpenApi(jsonSchemaTransformObject(input) as Record<string, unknown>) as never,
  });
  // Served copies name the server the client reached (so /docs "Try it out" targets this host and port); the
  // committed document keeps the default.
  const forRequest = (document: Record<string, unknown>, request: FastifyRequest) => ({
    ...document,
    servers: [{ url: `${request.protocol}://${request.host}` }],
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformSpecificationClone: true,
    transformSpecification: (document, request) => forRequest(document as Record<string, unknown>, request),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (request) =>
    forRequest(app.swagger() as unknown as Record<string, unknown>, request),
  );
});
