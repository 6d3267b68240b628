/**
 * Bearer API keys mapped to a tenant. Access is decided on the route the router matched (never on the raw URL, whose
 * percent-encoding the router decodes: `/%761/projects` is `/v1/projects`), and every route is protected unless it is
 * listed here as public:
 * - `/healthz`, `/readyz`: always public.
 * - `/metrics`, `/docs…`, `/openapi.json`: public when `publicOps` says so; by default only on a loopback bind.
 * - everything else needs a key, except in local mode: no key exists at all and the server is bound to loopback (or
 *   the operator set `ALLOW_UNAUTHENTICATED`), where requests without a key act as the local tenant. So revoking the
 *   last key of a server on 0.0.0.0 locks it instead of opening it.
 */
import type { Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ServiceError } from '../../lib/errors.ts';
import { isLoopbackAddress } from '../../lib/network.ts';

declare module 'fastify' {
  interface FastifyRequest {
    tenantId: string;
  }
}

export interface AuthOptions {
  /** Resolves a clear key to its tenant, or undefined. */
  tenantForKey(key: string): Promise<string | undefined>;
  /** The local tenant while no API key exists; undefined once one does. */
  localTenant(): Promise<string | undefined>;
  /** Serve requests without a key on a non-loopback bind while no key exists (ALLOW_UNAUTHENTICATED). */
  allowUnauthenticated: boolean;
  /** Whether /metrics and /docs need no key; undefined = only when bound to loopback (PUBLIC_OPS_ENDPOINTS). */
  publicOps: boolean | undefined;
}

type Access = 'public' | 'ops' | 'tenant';

export function accessFor(route: string): Access {
  if (route === '/healthz' || route === '/readyz') return 'public';
  if (route === '/metrics' || route === '/openapi.json' || route === '/docs' || route.startsWith('/docs/'))
    return 'ops';
  return 'tenant';
}

function boundToLoopback(server: Server): boolean {
  const address = server.address();
  return typeof address === 'object' && address !== null && isLoopbackAddress(address.address);
}

export default fp(async function auth(app: FastifyInstance, options: AuthOptions) {
  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const route = request.routeOptions.url;
    // No route matched: the not-found handler answers, and nothing else runs.
    if (route === undefined) return;
    const access = accessFor(route);
    if (access === 'public') return;
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
      const tenant = match ? await options.tenantForKey(match[1] as string) : undefined;
      if (!tenant) throw new ServiceError('unauthorized', 'the API key is not valid');
      request.tenantId = tenant;
      return;
    }
    const loopback = boundToLoopback(app.server);
    if (access === 'ops' && (options.publicOps ?? loopback)) return;
    const local = loopback || options.allowUnauthenticated ? await options.localTenant() : undefined;
    if (!local) throw new ServiceError('unauthorized', 'an API key is required: send "Authorization: Bearer <key>"');
    request.tenantId = local;
  });
});
