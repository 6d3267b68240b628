/**
 * Implements the stage contract's contexts (src/pipelines/stage.ts) with the database and the blob store, so stages
 * plan, read earlier outputs (checked against the writing stage's schemas) and write artifacts without knowing where
 * anything lives.
 */

import type { z } from 'zod';
import { concurrencyLimit, resolveEmbeddings } from '../config/composition/endpoints.ts';
import type { CompositionConfig } from '../config/composition/schema.ts';
import { upsertArtifact } from '../db/queries/artifacts.ts';
import { modelsByStage } from '../db/queries/llm-accounting.ts';
import { doneItems, unfinishedItems } from '../db/queries/run-items.ts';
import { getRunById, type RunRow, type StageRow } from '../db/queries/runs.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { Embedder } from '../llm/embeddings.ts';
import { ingestStage } from '../pipelines/ingest-stage.ts';
import {
  type AnyStageDefinition,
  type ArtifactContent,
  type ArtifactContext,
  type DoneItem,
  type FinishContext,
  type IngestedDocument,
  isItemStage,
  type PlanContext,
  type RunReport,
  type SourceView,
  type StageDefinitionOf,
  type StageRunInfo,
  type TextRef,
  type UnfinishedItem,
} from '../pipelines/stage.ts';
import type { StageSpec } from '../pipelines/stage-spec.ts';
import { countedBody } from './artifact-content.ts';
import { chunkDocuments, chunkTexts, relatedChunks } from './chunk-store.ts';
import { documentsOfFile, readText } from './document-texts.ts';
import { datasetsOfRun } from './hub-datasets.ts';
import { getConfigForRun } from './run-config.ts';
import { runStatus } from './runs.ts';
import type { StageDeps } from './stage-deps.ts';
import { IngestInputSchema, IngestOutputSchema } from './stages/ingest.ts';

export function artifactBlobKey(runId: string, path: string): string {
  return `runs/${runId}/artifacts/${path}`;
}

export function mediaTypeForPath(path: string): string {
  if (path.endsWith('.jsonl')) return 'application/x-ndjson';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.yaml') || path.endsWith('.yml')) return 'application/yaml';
  if (path.endsWith('.md')) return 'text/markdown; charset=utf-8';
  return 'text/plain; charset=utf-8';
}

export function runInfo(run: RunRow, stage: StageRow, config: CompositionConfig): StageRunInfo {
  return {
    runId: run.id,
    seed: run.seed,
    config,
    sources: run.sources as unknown as SourceView[],
    params: stage.params,
    stageName: stage.name,
  };
}

/**
 * Where a run's stage outputs live, as the contexts read and write them: the database and blob store for a run
 * (`runStore`), memory for a dry run (jobs/dry-run/sandbox.ts). Rows are raw; the contexts check them against the
 * writing stage's schemas.
 */
export interface StageStore {
  doneItems(stageName: string): Promise<Array<{ key: string; input: unknown; output: unknown }>>;
  unfinishedItems(stageName: string): Promise<Array<{ key: string; input: unknown; state: string; reason: string }>>;
  /** A stage's `finish` result; undefined when that stage has not finished. */
  readResult(stageName: string): Promise<unknown>;
  writeResult(stageName: string, result: unknown): Promise<void>;
  writeArtifact(stageName: string, path: string, content: ArtifactContent): Promise<{ bytes: number }>;
  /** Keeps a text a stage made (see `ArtifactContext.keepText`). */
  keepText(stageName: string, text: string): Promise<TextRef>;
  /** The run's embeddings endpoint, when its config names one. */
  embedder(): Promise<Embedder | undefined>;
  runReport(): Promise<RunReport>;
}

export function createPlanContext(deps: StageDeps, info: StageRunInfo, store: StageStore): PlanContext {
  let documents: Promise<IngestedDocument[]> | undefined;
  const loadDocuments = async (): Promise<IngestedDocument[]> => {
    const out: IngestedDocument[] = [];
    const ingest = { input: IngestInputSchema, output: IngestOutputSchema };
    for (const { output: file } of await parsedDoneItems(store, ingestStage.kind, ingest)) {
      out.push(...(await documentsOfFile(deps.blobs, file)));
    }
    return out;
  };
  return {
    ...info,
    async documents(sourceName) {
      documents ??= loadDocuments();
      const all = await documents;
      return sourceName === undefined ? all : all.filter((d) => d.sourceName === sourceName);
    },
    readText: (ref) => readText(deps.blobs, ref),
    outputsOf: (stage, instance) => parsedDoneItems(store, instanceName(stage, instance), stage),
    async resultOf<Result>(stage: StageDefinitionOf<Result>, instance?: Record<string, unknown>) {
      const name = instanceName(stage, instance);
      if (!stage.result) throw new Error(`stage ${stage.kind} declares no result`);
      const result = await store.readResult(name);
      if (result === undefined) throw new Error(`stage ${name} has not finished in this run`);
      return stage.result.parse(result);
    },
    chunkDocuments: (docs, maxTokens) => chunkDocuments(deps, docs, maxTokens, info.config.system.seed),
    chunkTexts: (chunks) => chunkTexts(deps, chunks),
    relatedChunks: async (pool, k) => relatedChunks(deps, pool, k, { embeddings: await store.embedder() }),
  };
}

/** The store of a run: items in the database, results and artifacts in the blob store. */
export function runStore(deps: StageDeps, info: StageRunInfo): StageStore {
  return {
    doneItems: (stageName) => doneItems(deps.db, info.runId, stageName),
    async unfinishedItems(stageName) {
      const rows = await unfinishedItems(deps.db, info.runId, stageName);
      return rows.map((r) => ({ key: r.key, input: r.input, state: r.state, reason: r.reason ?? '' }));
    },
    async readResult(stageName) {
      const key = stageResultBlobKey(info.runId, stageName);
      if (!(await deps.blobs.stat(key))) return undefined;
      return JSON.parse((await deps.blobs.get(key)).toString('utf8'));
    },
    async writeResult(stageName, result) {
      await deps.blobs.put(stageResultBlobKey(info.runId, stageName), JSON.stringify(result));
    },
    async writeArtifact(stageName, path, content) {
      const blobKey = artifactBlobKey(info.runId, path);
      const counted = countedBody(path, content);
      const stored = await deps.blobs.put(blobKey, counted.body);
      await upsertArtifact(deps.db, {
        runId: info.runId,
        path,
        stage: stageName,
        blobKey,
        size: stored.size,
        sha256: stored.sha256,
        mediaType: mediaTypeForPath(path),
        records: counted.records() ?? null,
      });
      return { bytes: stored.size };
    },
    async keepText(stageName, text) {
      const key = stageTextBlobKey(info.runId, stageName, sha256Hex(text));
      await deps.blobs.put(key, text);
      return { kind: 'blob', key };
    },
    embedder: () => embedderOfRun(deps, info),
    runReport: () => runReportOf(deps, info.runId),
  };
}

/** The name of one instance of a stage: the kind itself unless the kind is numbered. */
function instanceName(stage: StageSpec, instance: Record<string, unknown> | undefined): string {
  if (!instance) return stage.kind;
  if (!stage.instanceName) throw new Error(`stage ${stage.kind} has no numbered instances`);
  return stage.instanceName(instance);
}

/** The done items of a stage instance, each input and output checked against the stage's schemas. */
async function parsedDoneItems<In, Out>(
  store: StageStore,
  stageName: string,
  schemas: { input: z.ZodType<In>; output: z.ZodType<Out> },
): Promise<Array<DoneItem<In, Out>>> {
  const rows = await store.doneItems(stageName);
  return rows.map((r) => ({ key: r.key, input: schemas.input.parse(r.input), output: schemas.output.parse(r.output) }));
}

/** Where a stage's `finish` result is kept: beside the run's artifacts, not in its output tree. */
function stageResultBlobKey(runId: string, stageName: string): string {
  return `runs/${runId}/stage-results/${stageName}.json`;
}

/** Where a text a stage kept is (a cleaned PDF), beside the stage's result; by content, so keeping it twice is one. */
function stageTextBlobKey(runId: string, stageName: string, sha256: string): string {
  return `runs/${runId}/stage-results/${stageName}/${sha256}.txt`;
}

/** An embedder for the run's embeddings endpoint (with its key, which stages never see), if the config names one. */
async function embedderOfRun(deps: StageDeps, info: StageRunInfo) {
  const run = await getRunById(deps.db, info.runId);
  if (!run) return undefined;
  const { config, secrets } = await getConfigForRun(deps, run);
  const endpoint = resolveEmbeddings(config, secrets);
  if (!endpoint) return undefined;
  if (!deps.embedderFor) throw new Error('embeddings need the LLM gateway, which only worker processes have');
  return deps.embedderFor({
    runId: info.runId,
    stage: info.stageName,
    endpoint,
    concurrencyLimit: concurrencyLimit(config),
  });
}

async function runReportOf(deps: StageDeps, runId: string): Promise<RunReport> {
  const run = await getRunById(deps.db, runId);
  if (!run) throw new Error(`run ${runId} no longer exists`);
  const [status, models] = await Promise.all([runStatus(deps.db, run), modelsByStage(deps.db, run.id)]);
  return {
    runId: run.id,
    stages: status.stages.map((s) => ({
      name: s.name,
      state: s.state,
      items: { total: s.items.total, done: s.items.done, dropped: s.items.dropped, failed: s.items.failed },
      reasons: s.reasons,
      models: models.get(s.name) ?? [],
      calls: s.llm.calls,
      inputTokens: s.llm.inputTokens,
      outputTokens: s.llm.outputTokens,
      cost: s.llm.cost,
    })),
  };
}

function createArtifactContext(deps: StageDeps, info: StageRunInfo, store: StageStore): ArtifactContext {
  return {
    ...createPlanContext(deps, info, store),
    datasets: datasetsOfRun(deps, info.config),
    runReport: () => store.runReport(),
    writeArtifact: (path, content) => store.writeArtifact(info.stageName, path, content),
    keepText: (text) => store.keepText(info.stageName, text),
  };
}

/**
 * Runs a stage's `finish` with the context its kind gets (an item stage also reads its own items, through its
 * schemas) and keeps the result it returns, for the stages that read it with `resultOf`.
 */
export async function finishStage(
  deps: StageDeps,
  stage: AnyStageDefinition,
  info: StageRunInfo,
  store: StageStore,
): Promise<void> {
  const base = createArtifactContext(deps, info, store);
  let result: unknown;
  if (isItemStage(stage)) {
    const ctx: FinishContext<unknown, unknown> = {
      ...base,
      outputs: () => parsedDoneItems(store, info.stageName, stage),
      async unfinished() {
        const rows = await store.unfinishedItems(info.stageName);
        return rows.map(
          (r): UnfinishedItem<unknown> => ({
            key: r.key,
            input: stage.input.parse(r.input),
            state: r.state as 'dropped' | 'failed',
            reason: r.reason,
          }),
        );
      },
    };
    result = await stage.finish(ctx);
  } else {
    result = await stage.finish(base);
  }
  if (stage.result) await store.writeResult(info.stageName, stage.result.parse(result));
}
