import type { Settings } from '../config/settings.ts';
import type { Db } from '../db/client.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { Embedder, EmbeddingBinding } from '../llm/embeddings.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { PromptSets } from './prompt-sets.ts';

/** What the job layer's own stages and contexts are built from. */
export interface StageDeps {
  db: Db;
  blobs: BlobStore;
  settings: Settings;
  /** Opens the secrets of configs (sealed at rest). */
  secretBox: SecretBox;
  /** Uploaded and bundled prompt sets: checked at upload, compiled for the stages whose config names them. */
  promptSets?: PromptSets;
  /** Embeddings through the LLM gateway (slots, accounting); absent in a process without a worker. */
  embedderFor?: (binding: EmbeddingBinding) => Embedder;
}
