/**
 * The datasets port (src/pipelines/datasets-port.ts) over the Hugging Face Hub, with a cache in the blob store that
 * every run, project and worker shares:
 *
 *   hub-cache/datasets/<repo>/<commit>/files/<sha256 of path>     a downloaded data file, as the hub served it
 *   hub-cache/datasets/<repo>/<commit>/prepared-v1-<rows>.jsonl   its first <rows> usable rows as ShareGPT
 *   hub-cache/datasets/<repo>/<commit>/prepared-v1-<rows>.tokens  tokens per kept row (JSON array)
 *   hub-cache/datasets/<repo>/<commit>/prepared-v1-<rows>.json    the snapshot, written last: its presence = complete
 *
 * Keyed by commit, not branch: every fetch asks the hub what the revision points at now (one small request, made
 * with the caller's token, so a tenant never reads a private dataset it could not open itself), and only a new
 * commit downloads anything. As in the original, the first `max_samples_per_dataset` rows read count, usable or not.
 * Blob writes are atomic, so a crash or a concurrent fetch leaves no half file.
 */
import { Readable } from 'node:stream';
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { Settings } from '../config/settings.ts';
import { trainSplitFiles } from '../hub/data-files.ts';
import type { HubAccess } from '../hub/hub-client.ts';
import { HubRequestError, listDatasetFiles, openDatasetFile, resolveRevision } from '../hub/hub-client.ts';
import { type ByteSource, readRows } from '../hub/row-readers.ts';
import { defaultTokenizer } from '../ingest/tokenizer.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { DatasetSnapshot, DatasetsPort, SnapshotResult } from '../pipelines/datasets-port.ts';
import { conversationTokens, toShareGpt } from '../pipelines/generic-sft/rows.ts';
import { type ShareGptConversation, ShareGptConversationSchema } from '../pipelines/shared/sharegpt.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** Bump when the preparation of rows changes, so kept rows are prepared again. */
const PREPARATION = 'prepared-v1';

export class HubDatasets implements DatasetsPort {
  constructor(
    private readonly blobs: BlobStore,
    private readonly access: HubAccess,
  ) {}

  async snapshot(request: { repo: string; revision: string; maxRows: number }): Promise<SnapshotResult> {
    const { repo, maxRows } = request;
    try {
      const commit = await resolveRevision(this.access, repo, request.revision);
      const base = `hub-cache/datasets/${repo}/${commit}`;
      const prepared = `${base}/${PREPARATION}-${maxRows}`;
      const kept = await this.blobs.stat(`${prepared}.json`);
      if (kept) return { ok: true, snapshot: JSON.parse((await this.blobs.get(`${prepared}.json`)).toString('utf8')) };

      const listing = await listDatasetFiles(this.access, repo, commit);
      const files = trainSplitFiles(listing.map((f) => f.path));
      if (files.length === 0) {
        return {
          ok: false,
          reason: `${repo}: no train split among its ${listing.length} files (JSON Lines, JSON or Parquet data files)`,
        };
      }
      const read: string[] = [];
      const tokens: number[] = [];
      let rowsRead = 0;
      let skippedRows = 0;
      let totalTokens = 0;
      const count = (text: string) => defaultTokenizer().count(text);
      const blobs = this.blobs;
      const access = this.access;
      async function* lines(): AsyncGenerator<string> {
        for (const file of files) {
          if (rowsRead >= maxRows) break;
          const key = `${base}/files/${sha256Hex(file.path)}`;
          if (!(await blobs.stat(key))) {
            await blobs.put(key, Readable.fromWeb(await openDatasetFile(access, repo, commit, file.path)));
          }
          read.push(file.path);
          for await (const row of readRows(await byteSource(blobs, key), file.format, maxRows - rowsRead)) {
            rowsRead++;
            const conversation = toShareGpt(row);
            if (!conversation) {
              skippedRows++;
              continue;
            }
            const rowTokens = conversationTokens(conversation, count);
            tokens.push(rowTokens);
            totalTokens += rowTokens;
            yield `${JSON.stringify(conversation)}\n`;
          }
        }
      }
      await this.blobs.put(`${prepared}.jsonl`, Readable.from(lines()));
      await this.blobs.put(`${prepared}.tokens`, JSON.stringify(tokens));
      const snapshot: DatasetSnapshot = {
        repo,
        commit,
        files: read,
        rows: tokens.length,
        skippedRows,
        tokens: totalTokens,
        handle: prepared,
      };
      await this.blobs.put(`${prepared}.json`, JSON.stringify(snapshot));
      return { ok: true, snapshot };
    } catch (error) {
      if (error instanceof HubRequestError && error.permanent) return { ok: false, reason: error.message };
      throw error;
    }
  }

  async rowTokens(snapshot: DatasetSnapshot): Promise<number[]> {
    return JSON.parse((await this.blobs.get(`${snapshot.handle}.tokens`)).toString('utf8'));
  }

  async *rows(snapshot: DatasetSnapshot): AsyncIterable<ShareGptConversation> {
    const source = await byteSource(this.blobs, `${snapshot.handle}.jsonl`);
    for await (const row of readRows(source, 'jsonl', Number.POSITIVE_INFINITY)) {
      yield ShareGptConversationSchema.parse(row);
    }
  }
}

async function byteSource(blobs: BlobStore, key: string): Promise<ByteSource> {
  const stat = await blobs.stat(key);
  if (!stat) throw new Error(`cached blob ${key} is missing`);
  return {
    size: stat.size,
    stream: () => blobs.stream(key),
    async read(start, end) {
      if (end <= start) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of blobs.stream(key, { start, end: end - 1 })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

/** The datasets of a run: the service's hub URL, the config's token (secrets merged in) or else the service's. */
export function datasetsOfRun(deps: { blobs: BlobStore; settings: Settings }, config: CompositionConfig): HubDatasets {
  const accessToken = config.model_auto_train.huggingface_token || deps.settings.huggingfaceToken;
  return new HubDatasets(deps.blobs, {
    hubUrl: deps.settings.huggingfaceHubUrl,
    ...(accessToken ? { accessToken } : {}),
  });
}
