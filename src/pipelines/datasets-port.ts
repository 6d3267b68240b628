/**
 * How stages reach datasets on the Hugging Face Hub: through this port only, like the LLM through `LlmPort`. The job
 * layer implements it with the hub client, the token and an on-disk cache keyed by (repo, commit, rows kept), so a
 * re-run downloads nothing; a stage test passes a stub.
 */
import type { ShareGptConversation } from './shared/sharegpt.ts';

/** The first rows of a dataset's train split at one commit, prepared as ShareGPT conversations and kept. */
export interface DatasetSnapshot {
  repo: string;
  /** The commit the requested revision pointed at when it was fetched. */
  commit: string;
  /** The data files read, in order. */
  files: string[];
  /** Rows kept (conversations), and rows read but not usable as a conversation. */
  rows: number;
  skippedRows: number;
  /** Tokens of every turn of the kept rows, summed. */
  tokens: number;
  /** Where the prepared rows are kept: an opaque handle for `rows` and `rowTokens`. */
  handle: string;
}

export type SnapshotResult =
  | { ok: true; snapshot: DatasetSnapshot }
  /** A refusal no retry can change (unknown repo, no access, no usable train split), with the hub's reason. */
  | { ok: false; reason: string };

export interface DatasetsPort {
  /** Fetches (or finds kept) the first `maxRows` rows of the train split. Faults worth retrying are thrown. */
  snapshot(request: { repo: string; revision: string; maxRows: number }): Promise<SnapshotResult>;
  /** Tokens per kept row, in row order. */
  rowTokens(snapshot: DatasetSnapshot): Promise<number[]>;
  /** The kept rows in order. */
  rows(snapshot: DatasetSnapshot): AsyncIterable<ShareGptConversation>;
}
