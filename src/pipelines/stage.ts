/**
 * The stage contract. A stage plans its items, processes one item (anywhere, any number of times: processing must be
 * idempotent, which the LLM cache makes cheap), and finishes by writing its artifacts. The job layer implements the
 * contexts with the database and blob store; stages never see either.
 */

import type { LlmSection } from '../config/composition/endpoints.ts';
import type { CompositionConfig } from '../config/composition/schema.ts';
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

/** An extracted document: the original's `{text, metadata}` record, metadata = file name inside its source. */
export interface DocumentText {
  sourceName: string;
  fileId: string;
  /** File name (the original's metadata). */
  metadata: string;
  /** Extraction format: txt, md, pdf, docx, jsonl, json. */
  format: string;
  text: string;
}

/** A chunk of a document at some size, as stored by the chunk store. */
export interface ChunkView {
  /** Stable id of the chunk: `<chunk set key>:<index>`. */
  id: string;
  sourceName: string;
  /** The document's metadata (its file name, or a jsonl record's own). */
  metadata: string;
  /** Position inside its document. */
  index: number;
  text: string;
  tokens: number;
}

export interface ChunkableDocument {
  sourceName: string;
  metadata: string;
  text: string;
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

export interface PlanContext extends StageRunInfo {
  /** Documents extracted by the ingest stage of this run, in a stable order. */
  documents(sourceName?: string): Promise<DocumentText[]>;
  /** Outputs of a finished earlier stage's done items, in item order. */
  stageOutputs<T>(stageName: string): Promise<Array<{ key: string; output: T }>>;
  /** Items of a stage that ended without an output (dropped or failed), in item order, with their input and reason. */
  stageUnfinished<TIn>(stageName: string): Promise<Array<UnfinishedItem<TIn>>>;
  readArtifact(path: string): Promise<string | undefined>;
  /**
   * Token-bounded chunks of the documents, in document order. Stored once per (document content, size) and reused
   * by every stage, run and style that asks for the same size.
   */
  chunkDocuments(documents: ChunkableDocument[], maxTokens: number): Promise<ChunkView[]>;
  /**
   * For each chunk of `pool` (pass one source's chunks), up to `k` other chunks of the pool most related to it, best
   * first, never itself. Keyed by chunk id.
   */
  relatedChunks(pool: ChunkView[], k: number): Promise<Map<string, ChunkView[]>>;
}

export interface UnfinishedItem<TIn> {
  key: string;
  input: TIn;
  state: 'dropped' | 'failed';
  reason: string;
}

export interface FinishContext<Out> extends PlanContext {
  /** This stage's done items, in item order. */
  outputs(): Promise<Array<{ key: string; input: unknown; output: Out }>>;
  /** This stage's items that ended without an output (dropped or failed), in item order, with the reason. */
  unfinished(): Promise<Array<UnfinishedItem<unknown>>>;
  /** Writes (or replaces) one artifact of the run's output tree, e.g. `pretraining_run/text_chunks_docs.jsonl`. */
  writeArtifact(path: string, content: string | Uint8Array): Promise<void>;
}

export interface ProcessContext extends StepContext, StageRunInfo {
  itemKey: string;
}

export interface StageDefinition<In = unknown, Out = unknown> {
  /** Stage kind; instances are named `kind` or `kind/param/…`. Also the queue name suffix. */
  kind: string;
  /** The config section whose small/large endpoints this stage's LLM calls use (none for programmatic stages). */
  llmSection?: LlmSection;
  plan(ctx: PlanContext): Promise<Array<PlannedItem<In>>>;
  process(input: In, ctx: ProcessContext): Promise<ItemOutcome<Out>>;
  finish(ctx: FinishContext<Out>): Promise<void>;
}

export type { LlmSection };
