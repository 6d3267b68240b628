/**
 * Bearer API keys mapped to a tenant; every route under /v1 needs one. When no key exists at all the service runs in
 * local mode: requests without a key act as the local tenant, and main.ts binds 127.0.0.1 only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ServiceError } from '../../lib/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
}

export interface AuthOptions {
  /** Resolves a clear key to its tenant, or undefined. */
  tenantForKey(key: string): Promise<string | undefined>;
  /** Tenant used for unauthenticated requests in local mode; undefined when keys are required. */
  localTenant(): Promise<string | undefined>;
}

export default fp(async function auth(app: FastifyInstance, options: AuthOptions) {
  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const tenant = match ? await options.tenantForKey(match[1] as string) : undefined;
      if (!tenant) throw new ServiceError('unauthorized', 'the API key is not valid');
      request.tenantId = tenant;
      return;
    }
    const local = await options.localTenant();
    if (!local) throw new ServiceError('unauthorized', 'an API key is required: send "Authorization: Bearer <key>"');
    request.tenantId = local;
  });
});
