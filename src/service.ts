/**
 * The composition root: builds the database, blob store, queue, stage registry, LLM gateway, worker and HTTP app
 * for a role (`all`, `api` or `worker`). main.ts runs it as a process; tests and benchmarks start it in-process.
 * With `all` and WORKER_THREAD (the default) the worker is the worker role's service on a thread of its own
 * (worker-thread.ts), over this process's database; this thread serves HTTP.
 */

import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { App } from './api/app.ts';
import { loadSecretBox } from './config/secret-keys.ts';
import type { Settings } from './config/settings.ts';
import { type Database, migrateDatabase, openDatabase } from './db/client.ts';
import { releaseAllLeases } from './db/queries/llm-slots.ts';
import { countActiveKeys, createTenant, findTenantByName, tenantForKey } from './db/queries/tenants.ts';
import { estimateConfig } from './jobs/dry-run/estimate.ts';
import type { LlmPortFactory } from './jobs/item-runner.ts';
import { jobs } from './jobs/job-definitions.ts';
import { gatewayPorts } from './jobs/llm-ports.ts';
import { createJobMetrics } from './jobs/metrics.ts';
import { Orchestrator } from './jobs/orchestrator.ts';
import { PromptSets } from './jobs/prompt-sets.ts';
import { JobQueue } from './jobs/queue.ts';
import type { StageDeps } from './jobs/stage-deps.ts';
import { createStageRegistry } from './jobs/stage-registry.ts';
import { Worker } from './jobs/worker.ts';
import { closeHttpServer, closeNodeServer } from './lib/http-close.ts';
import { createGateway } from './llm/gateway.ts';
import { loadPrompts } from './llm/prompts.ts';
import type { AnyStageDefinition } from './pipelines/stage.ts';
import { promptSpecs } from './pipelines/stages.ts';
import { LocalBlobStore } from './storage/local-blob-store.ts';
import { WorkerThreadHost } from './worker-thread-host.ts';

export interface Service {
  settings: Settings;
  database: Database;
  queue: JobQueue;
  app?: App;
  worker?: Worker;
  /** The /metrics server of a worker-only process (METRICS_PORT). */
  metricsServer?: Server;
  /** This thread's metrics (a worker thread's host merges them into the process's /metrics). */
  metrics: Registry;
  log: Logger;
  /** True when no API key exists: requests act as the local tenant and the server binds loopback only. */
  localMode(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ServiceOverrides {
  database?: Database;
  llmFor?: LlmPortFactory;
  monitorIntervalSeconds?: number;
  sweepIntervalMs?: number;
  logger?: Logger;
  /** Additional stage kinds (tests register stages with controllable items). */
  extraStages?: AnyStageDefinition[];
  /** How long the "do any API keys exist" answer is cached (default 5 s; tests use 0). */
  keyCheckIntervalMs?: number;
}

const LOCAL_TENANT = 'local';
const PROMPTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'prompts');
/** The compact prompts for small local models (`prompts_local`); prompts it lacks fall back to the bundled ones. */
const PROMPTS_LOCAL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'prompts-local');

export async function startService(settings: Settings, overrides: ServiceOverrides = {}): Promise<Service> {
  const log = overrides.logger ?? pino({ level: settings.logLevel });
  if (!settings.databaseUrl && !overrides.database && settings.role !== 'all') {
    throw new Error(
      'separate api and worker processes need a shared PostgreSQL: set DATABASE_URL (the embedded database is in-process)',
    );
  }
  const database =
    overrides.database ??
    (await openDatabase({ databaseUrl: settings.databaseUrl, pgliteDir: path.join(settings.dataDir, 'pg') }));
  if (!overrides.database) await migrateDatabase(database);
  const blobs = new LocalBlobStore(path.join(settings.dataDir, 'blobs'));
  const secretBox = loadSecretBox(settings);
  const metrics = new Registry();
  // The process's own figures (resident memory, V8 heap and external memory, event-loop lag, GC), for capacity work.
  collectDefaultMetrics({ register: metrics });
  // Loading checks every prompt file against its declared variables, so a broken prompt stops start-up here.
  const prompts = loadPrompts(PROMPTS_DIR, promptSpecs);
  const promptSets = new PromptSets(
    database.db,
    prompts,
    { bundled: PROMPTS_DIR, local: PROMPTS_LOCAL_DIR },
    promptSpecs,
  );
  // ROLE=all takes its jobs on a thread of its own (worker-thread.ts) unless WORKER_THREAD is off; ROLE=worker, or
  // ROLE=all without the thread, takes them on this one.
  const jobsOnThread = settings.role === 'all' && settings.workerThread;
  const jobsHere = settings.role === 'worker' || (settings.role === 'all' && !jobsOnThread);
  const gateway = !jobsHere
    ? undefined
    : createGateway({
        db: database.db,
        prompts,
        registry: metrics,
        log,
        retry: {
          firstTokenTimeoutMs: settings.llmFirstTokenTimeoutMs,
          streamIdleTimeoutMs: settings.llmStreamIdleTimeoutMs,
        },
      });
  const deps: StageDeps = {
    db: database.db,
    blobs,
    settings,
    secretBox,
    promptSets,
    ...(gateway ? { embedderFor: gateway.embedder } : {}),
  };
  const registry = createStageRegistry(deps, overrides.extraStages);
  const queue = await JobQueue.start(database, {
    heartbeatSeconds: settings.jobHeartbeatSeconds,
    retryLimit: settings.jobRetryLimit,
    // Checking twice per heartbeat period bounds how long a dead worker's job waits before it is retried elsewhere.
    monitorIntervalSeconds:
      overrides.monitorIntervalSeconds ?? Math.max(1, Math.min(10, Math.floor(settings.jobHeartbeatSeconds / 2))),
  });
  await queue.ensureQueues(registry.itemKinds());
  // The embedded database opened here is this process's alone (its directory is locked): a job left active in it, or
  // an LLM slot leased, was a killed process's. Jobs go back to their queues and slots are freed now, rather than once
  // their heartbeat and lease lapse (30 s each by default), so a restart resumes at once.
  if (database.kind === 'pglite' && !overrides.database && settings.role !== 'api') {
    const jobsBack = await queue.reclaimActiveJobs(database.db);
    const slotsFreed = await releaseAllLeases(database.db);
    if (jobsBack + slotsFreed > 0) {
      log.info({ jobs: jobsBack, llmSlots: slotsFreed }, 'work left by a stopped process taken up again');
    }
  }

  let keyCheck: { at: number; local: boolean } | undefined;
  const localMode = async () => {
    if (!keyCheck || Date.now() - keyCheck.at >= (overrides.keyCheckIntervalMs ?? 5000)) {
      keyCheck = { at: Date.now(), local: (await countActiveKeys(database.db)) === 0 };
    }
    return keyCheck.local;
  };
  let localTenantId: string | undefined;
  const localTenant = async () => {
    if (!(await localMode())) return undefined;
    if (!localTenantId) {
      localTenantId =
        (await findTenantByName(database.db, LOCAL_TENANT))?.id ?? (await createTenant(database.db, LOCAL_TENANT)).id;
    }
    return localTenantId;
  };

  let worker: Worker | undefined;
  if (gateway) {
    worker = new Worker(deps, queue, registry, overrides.llmFor ?? gatewayPorts(gateway), log, {
      metrics: createJobMetrics(metrics),
      sweepIntervalMs: overrides.sweepIntervalMs,
    });
    worker.start();
  }

  const thread = jobsOnThread
    ? await WorkerThreadHost.start(settings, database, (reason) => {
        // The process cannot do its work without it; a supervisor restarts the process, which resumes every run.
        log.fatal(`${reason}: stopping the process`);
        process.exit(1);
      })
    : undefined;
  if (thread) log.info('job worker started on a thread of its own (WORKER_THREAD)');
  const wake = () => {
    worker?.wake();
    thread?.wake();
  };

  let app: App | undefined;
  // The API's own handle on the orchestrator, for resuming runs (a worker-less API process has no other).
  const orchestrator = worker?.orchestrator ?? new Orchestrator(deps, queue, registry);
  if (settings.role !== 'worker') {
    // Loaded only where it serves: a worker (process or thread) never holds the HTTP layer's modules.
    const { buildApp } = await import('./api/app.ts');
    app = await buildApp({
      db: database.db,
      blobs,
      settings,
      secretBox,
      registry: metrics,
      ...(thread ? { processMetrics: () => thread.metrics(metrics) } : {}),
      ...(log.level === 'silent' ? {} : { logger: log }),
      jobs: {
        graph: registry.graph,
        stageWarnings: registry.warnings,
        estimate: (request) => estimateConfig(deps, registry, request),
        advanceInTransaction: async (runId, transaction) => {
          await queue.send(jobs.advanceRun, { runId }, { transaction });
          await queue.send(jobs.runEstimate, { runId }, { transaction });
        },
        wake,
        sendExtractFile: async (fileId) => {
          await queue.send(jobs.extractFile, { fileId });
          wake();
        },
        sendPreview: async (previewId) => {
          await queue.send(jobs.preview, { previewId });
          wake();
        },
        sendHubPush: async (pushId) => {
          await queue.send(jobs.hubPush, { pushId });
          wake();
        },
        checkPromptSet: (files) => promptSets.check(files),
        promptCatalog: () => promptSets.catalog(),
        requeueRun: async (runId) => {
          await orchestrator.requeue(runId);
          wake();
        },
        sendRunWebhook: async (runId) => {
          await queue.send(jobs.runWebhook, { runId });
          wake();
        },
      },
      auth: { tenantForKey: (key) => tenantForKey(database.db, key), localTenant },
      checkReady: async () => {
        await database.db.execute('select 1');
        await queue.ping();
      },
    });
  }

  // A worker-only process has no HTTP API; it serves its metrics alone when asked to.
  let metricsServer: Server | undefined;
  if (!app && settings.metricsPort !== undefined) {
    metricsServer = await serveMetrics(metrics, settings.host ?? '127.0.0.1', settings.metricsPort, async () => {
      await database.db.execute('select 1');
      await queue.ping();
    });
  }

  return {
    settings,
    database,
    queue,
    app,
    worker,
    metricsServer,
    metrics,
    log,
    localMode,
    async stop() {
      const grace = { graceMs: settings.shutdownGraceMs };
      if (app) await closeHttpServer(app.server, () => app.close(), grace);
      if (metricsServer) await closeHttpServer(metricsServer, () => closeNodeServer(metricsServer), grace);
      await worker?.stop();
      await thread?.stop();
      await gateway?.close();
      await queue.stop();
      if (!overrides.database) await database.close();
    },
  };
}

/**
 * A worker-only process's ops server: `GET /metrics`, `GET /healthz` (the process answers) and `GET /readyz` (its
 * database and queue answer). It has no API keys to check, so it listens on loopback unless HOST says otherwise.
 */
async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  checkReady: () => Promise<void>,
): Promise<Server> {
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      checkReady()
        .then(() => json(res, 200, { status: 'ready' }))
        .catch((error: unknown) => json(res, 503, { status: 'unavailable', reason: String(error) }));
      return;
    }
    if (path !== '/metrics') return void res.writeHead(404).end();
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
