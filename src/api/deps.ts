/** What the HTTP layer needs from the rest of the service; the composition root (src/service.ts) provides it. */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { Settings } from '../config/settings.ts';
import type { Db } from '../db/client.ts';
import type { Estimate } from '../jobs/dry-run/estimate-types.ts';
import type { PromptEntry } from '../jobs/prompt-sets.ts';
import type { RunConfig } from '../jobs/run-config.ts';
import type { StageNode } from '../jobs/runs.ts';
import type { ProblemFieldError } from '../lib/errors.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { BlobStore } from '../storage/blob-store.ts';

export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  settings: Settings;
  /** Seals the secrets of configs before they are stored. */
  secretBox: SecretBox;
  registry: Registry;
  /** The process's metrics when more than this thread's registry (a job worker thread's merged in). */
  processMetrics?(): Promise<Registry>;
  /** The job layer as the API sees it. */
  jobs: {
    /** Enqueues a run's first advance and its estimate inside the transaction that creates the run. */
    advanceInTransaction(runId: string, transaction: Db): Promise<void>;
    /** Lets this process's worker (if any) pick new jobs up without waiting for a poll. */
    wake(): void;
    sendExtractFile(fileId: string): Promise<void>;
    /** Enqueues a preview (a worker runs it). */
    sendPreview(previewId: string): Promise<void>;
    /** Enqueues the publishing of a run's outputs to the Hugging Face Hub. */
    sendHubPush(pushId: string): Promise<void>;
    /** Problems with an uploaded prompt set's files (prompt id → YAML), each at `body.files.<id>`. */
    checkPromptSet(files: Readonly<Record<string, string>>): ProblemFieldError[];
    /** The bundled prompts with their text, variables and answer contracts. */
    promptCatalog(): PromptEntry[];
    /** Sends the pending items of a resumed run again, and an advance. */
    requeueRun(runId: string): Promise<void>;
    /** Enqueues the announcement of a run's end to its webhook. */
    sendRunWebhook(runId: string): Promise<void>;
    /** The stage instances a run of this config consists of (skipped ones with their reason). */
    graph(config: CompositionConfig): StageNode[];
    /** What a run of a stored config would cost (no model is called). */
    estimate(
      request: { tenantId: string; projectId: string } & ({ configId: string } | { runConfig: RunConfig }),
    ): Promise<Estimate>;
    /** Config warnings for the parts of the composition this version cannot run. */
    stageWarnings(config: CompositionConfig): ProblemFieldError[];
  };
  auth: {
    tenantForKey(key: string): Promise<string | undefined>;
    localTenant(): Promise<string | undefined>;
  };
  /** Throws when the database or queue is unreachable (for /readyz). */
  checkReady(): Promise<void>;
  /** A pino logger to share with the workers; without it the app logs nothing. */
  logger?: FastifyBaseLogger;
}
