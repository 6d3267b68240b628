/**
 * The stage contract. A stage declares what it reads (`needs`: the definitions of earlier stages) and the shape of
 * what it gives (zod schemas), and reads an earlier stage's outputs through that stage's definition:
 * `ctx.outputsOf(representationVariationStage)` is typed and validated, with no stage name spelled anywhere.
 *
 * Two kinds of stage:
 * - an item stage plans its items, processes one item (anywhere, any number of times: processing must be
 *   idempotent, which the LLM cache makes cheap) and finishes by writing its artifacts;
 * - a finish stage has no items: it runs once its needs are settled (assembly, training configs).
 * Either may return a result from `finish` (declared by `result`), which later stages read with `ctx.resultOf`.
 * The job layer implements the contexts with the database and blob store; stages never see either.
 */
import type { z } from 'zod';
import type { LlmSection } from '../config/composition/endpoints.ts';
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { DatasetsPort } from './datasets-port.ts';
import type { StageRef, StageSpec } from './stage-spec.ts';
import type { ItemOutcome, StepContext } from './step.ts';

/** A source (the original's input dir) as the stages see it: its name and its resolved per-directory settings. */
export interface SourceView {
  id: string;
  name: string;
  settings: SourceSettings;
}

export interface SourceSettings {
  variation_generation_counts: number;
  final_system_prompt_additional_context: string;
  factual_gen_subset_size_per_way: number;
  factual_gen_use_subset: boolean;
  rag_subset_size: number;
  rag_use_subset: boolean;
  correction_subset_size: number;
  correction_use_subset: boolean;
}

/**
 * Where a document's text is kept. Documents travel by reference (a run's cleaned documents are a list of these, not
 * of texts), and a text is read when a stage needs it, one document at a time, so no stage holds a corpus whole.
 * - `record`: a JSON line `{"text": …}` at bytes [start, end) of a JSONL blob (an extraction's documents);
 * - `blob`: a whole blob of UTF-8 text (a cleaned PDF);
 * - `inline`: the text itself (a dry run's cleaned PDFs, which it keeps in memory).
 */
export type TextRef =
  | { kind: 'record'; key: string; start: number; end: number }
  | { kind: 'blob'; key: string }
  | { kind: 'inline'; text: string };

/** A document as the stages pass it around: the original's `{text, metadata}` record, with its text by reference. */
export interface DocumentRef {
  sourceName: string;
  /** File name inside its source, or a jsonl record's own metadata (the original's metadata). */
  metadata: string;
  /** sha256 of the text, hex: chunk sets are keyed by it, so a document chunked before is not read again. */
  sha256: string;
  /** Length of the text in UTF-16 code units. */
  chars: number;
  text: TextRef;
}

/** A document as ingest extracted it: which file it came from and that file's format (txt, md, pdf, …). */
export interface IngestedDocument extends DocumentRef {
  fileId: string;
  format: string;
}

/**
 * A chunk of a document at some size, as stored by the chunk store, without its text: a stage plans over every chunk
 * of a source (subsets, related chunks, retrieval draws) but reads texts only for the page of items it is writing
 * (`PlanContext.chunkTexts`), so a source's chunks are never all in memory with their texts.
 */
export interface ChunkView {
  /** Stable id of the chunk: `<chunk set key>:<index>`. */
  id: string;
  sourceName: string;
  /** The document's metadata (its file name, or a jsonl record's own). */
  metadata: string;
  /** Position inside its document. */
  index: number;
  tokens: number;
  /** A digest of the text: two chunks with the same text (a duplicated document) have the same digest. */
  digest: string;
  /** The chunk's place in the seeded subset order (md5 of `system.seed` and the text, as the original's). */
  subsetKey: string;
}

export interface PlannedItem<In> {
  /** Stable within the stage: a content hash, so a re-plan after a crash yields the same keys. */
  key: string;
  input: In;
}

export interface StageRunInfo {
  runId: string;
  seed: number;
  config: CompositionConfig;
  sources: SourceView[];
  /** Stage instance parameters (e.g. `{ style: 'negative', index: 0 }` for factual_sft/negative/0). */
  params: Record<string, unknown>;
  stageName: string;
}

export interface DoneItem<In, Out> {
  key: string;
  input: In;
  output: Out;
}

export interface UnfinishedItem<In> {
  key: string;
  input: In;
  state: 'dropped' | 'failed';
  reason: string;
}

/** What every stage may read while it plans or finishes. */
export interface PlanContext extends StageRunInfo {
  /** Documents extracted by the ingest stage of this run, in a stable order (their texts by reference). */
  documents(sourceName?: string): Promise<IngestedDocument[]>;
  /** A document's text (read from where `ref` says; a stage reads one document at a time). */
  readText(ref: TextRef): Promise<string>;
  /**
   * The done items of an earlier item stage (one it `needs`), in item order, validated by its schemas. For a numbered
   * kind, `instance` names the instance by its params (`{ style: 'negative', index: 0 }`).
   */
  outputsOf<In, Out>(
    stage: ItemStageDefinition<In, Out, unknown>,
    instance?: Record<string, unknown>,
  ): Promise<Array<DoneItem<In, Out>>>;
  /** The result an earlier stage's `finish` returned, validated by its `result` schema (`instance` as above). */
  resultOf<Result>(stage: StageDefinitionOf<Result>, instance?: Record<string, unknown>): Promise<Result>;
  /**
   * Token-bounded chunks of the documents, in document order. Stored once per (document content, size) and reused
   * by every stage, run and style that asks for the same size.
   */
  chunkDocuments(documents: readonly DocumentRef[], maxTokens: number): Promise<ChunkView[]>;
  /** The texts of these chunks, keyed by chunk id (read a page of items at a time, not a whole source). */
  chunkTexts(chunks: readonly ChunkView[]): Promise<Map<string, string>>;
  /**
   * For each chunk of `pool` (pass one source's chunks), up to `k` other chunks of the pool most related to it, best
   * first, never itself. Keyed by chunk id.
   */
  relatedChunks(pool: ChunkView[], k: number): Promise<Map<string, ChunkView[]>>;
}

/** What a finish step may do besides reading: write the run's output tree (paths from output-tree.ts). */
export interface ArtifactContext extends PlanContext {
  /**
   * Writes (or replaces) one artifact of the run's output tree, and says how many bytes it holds. Content given as
   * pieces (an iterable of strings) is written as it comes, so a file longer than one string can hold, or than memory
   * should, never exists whole.
   */
  writeArtifact(path: string, content: ArtifactContent): Promise<{ bytes: number }>;
  /** Keeps a text the stage made (a cleaned PDF) where later stages read it, and says where (see `TextRef`). */
  keepText(text: string): Promise<TextRef>;
  /** Datasets from the Hugging Face Hub, as the generic-SFT stage fetched them. */
  datasets: DatasetsPort;
  /** What the run has done so far, per stage (for reports written into the tree, such as the dataset card). */
  runReport(): Promise<RunReport>;
}

/** An artifact's content: whole, or as pieces written one after another. */
export type ArtifactContent = string | Uint8Array | AsyncIterable<string>;

export interface RunReport {
  runId: string;
  stages: Array<{
    name: string;
    state: string;
    items: { total: number; done: number; dropped: number; failed: number };
    /** Dropped and failed items and LLM retries, by reason. */
    reasons: Record<string, number>;
    models: string[];
    calls: number;
    inputTokens: number;
    outputTokens: number;
    /** USD the provider billed (cache hits cost nothing). */
    cost: number;
  }>;
}

export interface FinishContext<In, Out> extends ArtifactContext {
  /** This stage's done items, in item order. */
  outputs(): Promise<Array<DoneItem<In, Out>>>;
  /** This stage's items that ended without an output (dropped or failed), in item order, with the reason. */
  unfinished(): Promise<Array<UnfinishedItem<In>>>;
}

export interface ProcessContext extends StepContext, StageRunInfo {
  itemKey: string;
  /** Datasets from the Hugging Face Hub (the run's token and the service's hub URL live behind it). */
  datasets: DatasetsPort;
}

/**
 * What both kinds of stage declare: the graph's view (kind, needs — the earlier stages this one reads or must
 * follow —, config section, instances) and the schema of what `finish` returns, when later stages read it.
 */
interface StageCommon<Result> extends StageSpec {
  result?: z.ZodType<Result>;
}

export interface ItemStageDefinition<In, Out, Result = void> extends StageCommon<Result> {
  /** The config section whose small/large endpoints this stage's LLM calls use (none for programmatic stages). */
  llmSection?: LlmSection;
  input: z.ZodType<In>;
  output: z.ZodType<Out>;
  /**
   * The stage's items, in item order. Given one at a time (an async generator): the job layer writes and sends them a
   * page at a time as they come, so a stage of tens of thousands of items is never held whole, and its first items
   * start while the rest are still being planned.
   */
  plan(ctx: PlanContext): AsyncIterable<PlannedItem<In>>;
  /**
   * Items flow: instead of waiting for every instance of the stage it needs, the stage starts with the first that
   * finishes and plans, from each finished instance (`instance`: its params), the items that read only that one.
   * `plan` must then give the union over every instance (what a dry run plans at once); keys must not depend on
   * the order instances finish in.
   */
  planFrom?: {
    stage: StageRef;
    plan(ctx: PlanContext, instance: Record<string, unknown>): AsyncIterable<PlannedItem<In>>;
  };
  process(input: In, ctx: ProcessContext): Promise<ItemOutcome<Out>>;
  finish(ctx: FinishContext<In, Out>): Promise<Result>;
}

export interface FinishStageDefinition<Result = void> extends StageCommon<Result> {
  finish(ctx: ArtifactContext): Promise<Result>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds stages of every input and output type
export type AnyStageDefinition = ItemStageDefinition<any, any, any> | FinishStageDefinition<any>;
// biome-ignore lint/suspicious/noExplicitAny: only the result type matters to `resultOf`
export type StageDefinitionOf<Result> = ItemStageDefinition<any, any, Result> | FinishStageDefinition<Result>;

export function isItemStage(stage: AnyStageDefinition): stage is Extract<AnyStageDefinition, { process: unknown }> {
  return 'process' in stage;
}

export type { LlmSection };
