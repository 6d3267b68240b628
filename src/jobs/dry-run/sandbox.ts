/**
 * A dry run: the stages of a config planned, processed and finished in one process, through the same stage
 * definitions and contexts a run uses, with everything they write kept in memory. Estimates run it with a simulated
 * model over every chunk; previews with the real one over a sample (the first chunks of each source, per stage).
 * Nothing reaches a run's items, results or artifacts. Only the stages that call a model (and ingest, which they
 * read) run: the generic-data download, assembly and training configs write no model output and are listed as
 * skipped.
 */

import type { CompositionConfig } from '../../config/composition/schema.ts';
import { errorMessage } from '../../lib/errors.ts';
import { collect } from '../../lib/pages.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import type { StageNode } from '../../pipelines/graph.ts';
import { ingestStage } from '../../pipelines/ingest-stage.ts';
import {
  type AnyStageDefinition,
  type ChunkView,
  isItemStage,
  type LlmSection,
  type PlannedItem,
  type ProcessContext,
  type RunReport,
  type SourceView,
  type StageRunInfo,
} from '../../pipelines/stage.ts';
import type { LlmPort, StepLogger } from '../../pipelines/step.ts';
import { measureContent } from '../artifact-content.ts';
import { datasetsOfRun } from '../hub-datasets.ts';
import { noLlmPort } from '../item-runner.ts';
import { createPlanContext, finishStage, type StageStore } from '../stage-context.ts';
import type { StageDeps } from '../stage-deps.ts';
import type { StageRegistry } from '../stage-registry.ts';

export interface SandboxRequest {
  /** Stands in for the run id (the LLM limiter's scope, accounting). */
  id: string;
  seed: number;
  config: CompositionConfig;
  sources: SourceView[];
  /** Only the first chunks of each source, per stage (a preview's sample); every chunk when absent. */
  chunksPerSource?: number | undefined;
  /** Items processed at once. */
  concurrency: number;
  signal: AbortSignal;
  /** The LLM port of one stage instance. */
  llmFor(stage: StageNode, section: LlmSection): Promise<LlmPort>;
  /** Outputs kept per stage in the report (the rest are counted). */
  keepOutputs: number;
  /** Leading characters kept of each file a stage writes (the rest is measured, not kept). */
  fileHeadChars: number;
  log: StepLogger;
}

export interface SandboxStage {
  name: string;
  kind: string;
  items: { planned: number; done: number; dropped: number; failed: number };
  /** Dropped and failed items by reason. */
  reasons: Record<string, number>;
  /** The first done items' outputs, in item order. */
  outputs: unknown[];
  artifacts: SandboxFile[];
}

export interface SandboxFile {
  path: string;
  bytes: number;
  records: number | null;
  head: string;
}

export interface SandboxResult {
  stages: SandboxStage[];
  skipped: Array<{ stage: string; reason: string }>;
}

interface MemoryStage {
  done: Array<{ key: string; input: unknown; output: unknown }>;
  unfinished: Array<{ key: string; input: unknown; state: string; reason: string }>;
  result?: unknown;
  artifacts: Map<string, SandboxFile>;
}

const NO_MODEL_OUTPUT = 'writes no model output: it runs in a real run only';

export async function runSandbox(
  deps: StageDeps,
  registry: StageRegistry,
  request: SandboxRequest,
): Promise<SandboxResult> {
  const memory = new Map<string, MemoryStage>();
  const store: StageStore = {
    doneItems: async (name) => memory.get(name)?.done ?? [],
    unfinishedItems: async (name) => memory.get(name)?.unfinished ?? [],
    readResult: async (name) => memory.get(name)?.result,
    async writeResult(name, result) {
      stageMemory(memory, name).result = result;
    },
    async writeArtifact(name, path, content) {
      // Files are measured as they are written and only their head is kept: a dry run over a big source writes
      // hundreds of MB (the pretraining texts, the rendered SFT sets), which no later stage reads back.
      const measured = await measureContent(path, content, Math.max(0, request.fileHeadChars));
      stageMemory(memory, name).artifacts.set(path, {
        path,
        bytes: measured.bytes,
        records: measured.records ?? null,
        head: measured.head,
      });
      return { bytes: measured.bytes };
    },
    // A dry run keeps what it makes in memory; the texts it keeps (cleaned PDFs of its sample) go with it.
    keepText: async (_name, text) => ({ kind: 'inline', text }),
    embedder: async () => undefined,
    runReport: async (): Promise<RunReport> => ({ runId: request.id, stages: [] }),
  };

  const result: SandboxResult = { stages: [], skipped: [] };
  const finished = new Set<string>();
  const graph = registry.graph(request.config);
  for (const [at, node] of graph.entries()) {
    const definition = registry.get(node.kind);
    const reason = node.skip ?? whyNotRun(definition, node, finished);
    if (reason || !definition || !isItemStage(definition)) {
      result.skipped.push({ stage: node.name, reason: reason ?? NO_MODEL_OUTPUT });
      continue;
    }
    if (request.signal.aborted) throw request.signal.reason;
    const info: StageRunInfo = {
      runId: request.id,
      seed: request.seed,
      config: request.config,
      sources: request.sources,
      params: node.params,
      stageName: node.name,
    };
    const plan = createPlanContext(deps, info, store);
    // A dry run processes a stage's items together and keeps them to the end: it takes the whole plan at once.
    const items = await collect(
      definition.plan(
        request.chunksPerSource === undefined
          ? plan
          : { ...plan, chunkDocuments: sampled(plan.chunkDocuments, request.chunksPerSource) },
      ),
    );
    const llm = definition.llmSection ? await request.llmFor(node, definition.llmSection) : undefined;
    const report = await processItems(deps, definition, items, info, llm, request);
    const own = stageMemory(memory, node.name);
    own.done = report.done;
    own.unfinished = report.unfinished;
    await finishStage(deps, definition, info, store);
    finished.add(node.name);
    result.stages.push({
      name: node.name,
      kind: node.kind,
      items: {
        planned: items.length,
        done: report.done.length,
        dropped: report.unfinished.filter((u) => u.state === 'dropped').length,
        failed: report.unfinished.filter((u) => u.state === 'failed').length,
      },
      reasons: countBy(report.unfinished.map((u) => u.reason)),
      outputs: report.done.slice(0, request.keepOutputs).map((d) => d.output),
      artifacts: [...own.artifacts.values()],
    });
    forgetUnread(memory, graph.slice(at + 1));
  }
  return result;
}

/**
 * Drops what the stages still to run do not read: a dry run keeps every stage's items in memory, and over a big
 * source the earlier stages' inputs and outputs (chunk texts, related chunks) would otherwise all stay to the end.
 * Ingest stays: every stage reads the documents.
 */
function forgetUnread(memory: Map<string, MemoryStage>, later: StageNode[]): void {
  const read = new Set(later.flatMap((n) => n.dependsOn));
  for (const name of memory.keys()) if (name !== ingestStage.kind && !read.has(name)) memory.delete(name);
}

/** Why a stage does not run in a dry run: it calls no model (ingest aside), or a stage it reads did not finish. */
function whyNotRun(
  definition: AnyStageDefinition | undefined,
  node: StageNode,
  finished: ReadonlySet<string>,
): string | undefined {
  if (!definition || !isItemStage(definition)) return NO_MODEL_OUTPUT;
  if (!definition.llmSection && node.kind !== ingestStage.kind) return NO_MODEL_OUTPUT;
  const missing = node.dependsOn.find((name) => !finished.has(name));
  return missing ? `needs ${missing}, which did not run here` : undefined;
}

async function processItems(
  deps: StageDeps,
  definition: Extract<AnyStageDefinition, { process: unknown }>,
  items: Array<PlannedItem<unknown>>,
  info: StageRunInfo,
  llm: LlmPort | undefined,
  request: SandboxRequest,
): Promise<Pick<MemoryStage, 'done' | 'unfinished'>> {
  const settled: Array<
    { key: string; input: unknown; output: unknown } | { key: string; input: unknown; state: string; reason: string }
  > = new Array(items.length);
  const datasets = datasetsOfRun(deps, info.config);
  let next = 0;
  const lane = async () => {
    for (let at = next++; at < items.length; at = next++) {
      const item = items[at] as PlannedItem<unknown>;
      if (request.signal.aborted) throw request.signal.reason;
      const ctx: ProcessContext = {
        ...info,
        itemKey: item.key,
        datasets,
        signal: request.signal,
        random: (...parts) => seededRandom(info.seed, ...parts),
        log: request.log,
        llm: llm ?? noLlmPort,
      };
      try {
        const outcome = await definition.process(item.input, ctx);
        settled[at] =
          outcome.state === 'done'
            ? { key: item.key, input: item.input, output: definition.output.parse(outcome.output) }
            : { key: item.key, input: item.input, state: 'dropped', reason: outcome.reason };
      } catch (error) {
        if (request.signal.aborted) throw error;
        settled[at] = { key: item.key, input: item.input, state: 'failed', reason: errorMessage(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(request.concurrency, items.length)) }, lane));
  const done: MemoryStage['done'] = [];
  const unfinished: MemoryStage['unfinished'] = [];
  for (const entry of settled) {
    if ('output' in entry) done.push(entry);
    else unfinished.push(entry);
  }
  return { done, unfinished };
}

/** A stage's chunking, cut to the first `perSource` chunks of each source over all its calls. */
function sampled(
  chunk: (docs: Parameters<StageContextChunker>[0], maxTokens: number) => Promise<ChunkView[]>,
  perSource: number,
): StageContextChunker {
  const given = new Map<string, number>();
  return async (docs, maxTokens) => {
    const out: ChunkView[] = [];
    for (const c of await chunk(docs, maxTokens)) {
      const count = given.get(c.sourceName) ?? 0;
      if (count >= perSource) continue;
      given.set(c.sourceName, count + 1);
      out.push(c);
    }
    return out;
  };
}

type StageContextChunker = ReturnType<typeof createPlanContext>['chunkDocuments'];

function stageMemory(memory: Map<string, MemoryStage>, name: string): MemoryStage {
  let entry = memory.get(name);
  if (!entry) {
    entry = { done: [], unfinished: [], artifacts: new Map() };
    memory.set(name, entry);
  }
  return entry;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
