/**
 * Implements the stage contract's contexts (src/pipelines/stage.ts) with the database and the blob store, so stages
 * plan, read earlier outputs and write artifacts without knowing where anything lives.
 */

import { resolveEmbeddings } from '../config/composition/endpoints.ts';
import type { CompositionConfig } from '../config/composition/schema.ts';
import { upsertArtifact } from '../db/queries/artifacts.ts';
import { doneItems, unfinishedItems } from '../db/queries/run-items.ts';
import { getRunById, type RunRow, type StageRow } from '../db/queries/runs.ts';
import type {
  DocumentText,
  FinishContext,
  PlanContext,
  SourceView,
  StageRunInfo,
  UnfinishedItem,
} from '../pipelines/stage.ts';
import { chunkDocuments, relatedChunks } from './chunk-store.ts';
import { readExtractedDocuments } from './extraction.ts';
import { getConfigForRun } from './run-config.ts';
import type { StageDeps } from './stage-deps.ts';
import type { IngestOutput } from './stages/ingest.ts';

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

export function createPlanContext(deps: StageDeps, info: StageRunInfo): PlanContext {
  let documents: Promise<DocumentText[]> | undefined;
  const loadDocuments = async (): Promise<DocumentText[]> => {
    const out: DocumentText[] = [];
    for (const { output } of await doneItems(deps.db, info.runId, 'ingest')) {
      const file = output as IngestOutput;
      const docs = await readExtractedDocuments(deps, file.textBlobKey);
      // jsonl/json records carry their own metadata; otherwise the file name is the original's metadata.
      for (const d of docs) {
        out.push({
          sourceName: file.sourceName,
          fileId: file.fileId,
          metadata: d.metadata ?? file.fileName,
          format: file.format,
          text: d.text,
        });
      }
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
    async stageOutputs<T>(stageName: string) {
      const rows = await doneItems(deps.db, info.runId, stageName);
      return rows.map((r) => ({ key: r.key, output: r.output as T }));
    },
    stageUnfinished: (stageName) => stageUnfinished(deps, info.runId, stageName),
    async readArtifact(path) {
      const key = artifactBlobKey(info.runId, path);
      if (!(await deps.blobs.stat(key))) return undefined;
      return (await deps.blobs.get(key)).toString('utf8');
    },
    chunkDocuments: (docs, maxTokens) => chunkDocuments(deps, docs, maxTokens),
    relatedChunks: async (pool, k) =>
      relatedChunks(deps, pool, k, { embeddings: await embeddingsOfRun(deps, info.runId) }),
  };
}

/** The run config's embeddings endpoint (with its key, which stages never see), if it names one. */
async function embeddingsOfRun(deps: StageDeps, runId: string) {
  const run = await getRunById(deps.db, runId);
  if (!run) return undefined;
  const { config, secrets } = await getConfigForRun(deps, run);
  return resolveEmbeddings(config, secrets);
}

async function stageUnfinished<TIn>(deps: StageDeps, runId: string, stageName: string) {
  const rows = await unfinishedItems(deps.db, runId, stageName);
  return rows.map(
    (r): UnfinishedItem<TIn> => ({
      key: r.key,
      input: r.input as TIn,
      state: r.state as 'dropped' | 'failed',
      reason: r.reason ?? '',
    }),
  );
}

export function createFinishContext<Out>(deps: StageDeps, info: StageRunInfo): FinishContext<Out> {
  return {
    ...createPlanContext(deps, info),
    async outputs() {
      const rows = await doneItems(deps.db, info.runId, info.stageName);
      return rows.map((r) => ({ key: r.key, input: r.input, output: r.output as Out }));
    },
    unfinished: () => stageUnfinished(deps, info.runId, info.stageName),
    async writeArtifact(path, content) {
      const blobKey = artifactBlobKey(info.runId, path);
      const stored = await deps.blobs.put(blobKey, content);
      await upsertArtifact(deps.db, {
        runId: info.runId,
        path,
        stage: info.stageName,
        blobKey,
        size: stored.size,
        sha256: stored.sha256,
        mediaType: mediaTypeForPath(path),
      });
    },
  };
}
