/**
 * The process: reads settings, starts the service for its role, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (the HTTP server stops accepting, jobs in flight get time to finish or go back to the queue, then the database
 * closes).
 */
import { parseArgs } from 'node:util';
import { loadSettings } from './config/settings.ts';
import { startService } from './service.ts';

const started = performance.now();
const { values } = parseArgs({ options: { role: { type: 'string' } }, strict: true });
const role = values.role ?? process.env.ROLE ?? 'all';
if (role !== 'all' && role !== 'api' && role !== 'worker') {
  console.error(`--role must be all, api or worker (got ${role})`);
  process.exit(2);
}

let settings: ReturnType<typeof loadSettings>;
try {
  settings = loadSettings(process.env, { role });
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const service = await startService(settings).catch((error: unknown) => {
  console.error(`could not start: ${(error as Error).message}`);
  process.exit(1);
});
const { log } = service;

if (service.app) {
  const local = await service.localMode();
  let host = settings.host ?? '0.0.0.0';
  if (local && settings.allowUnauthenticated) {
    log.warn(
      { host },
      'no API keys exist and ALLOW_UNAUTHENTICATED is set: anyone who can reach this address acts as the local tenant',
    );
  } else if (local) {
    host = '127.0.0.1';
    log.warn(
      'no API keys exist: requests act as the local tenant, so the server listens on 127.0.0.1 only (create a key with `npm run apikey -- create NAME`)',
    );
  }
  await service.app.listen({ host, port: settings.port });
}
log.info(
  {
    role,
    database: settings.databaseUrl ? 'postgresql' : 'pglite',
    dataDir: settings.dataDir,
    startupMs: Math.round(performance.now() - started),
  },
  'service ready',
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    service
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  });
}
