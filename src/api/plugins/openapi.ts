import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
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
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
