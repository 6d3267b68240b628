/**
 * The Hugging Face Hub as this service uses it: resolve a dataset revision to its commit, list the files of that
 * commit, stream one file. The only module that imports `@huggingface/hub` for reading. Every failure becomes a
 * `HubRequestError` naming the repo and the HTTP status, so a stage can tell a permanent refusal (404, 401, 403:
 * retrying cannot help) from a fault worth retrying (5xx, 429, the network).
 */
import { datasetInfo, downloadFile, HubApiError, listFiles } from '@huggingface/hub';

export interface HubAccess {
  /** Base URL of the hub (`HF_ENDPOINT`), e.g. https://huggingface.co. */
  hubUrl: string;
  /** A user access token (`hf_…`), for private or gated repos. */
  accessToken?: string;
  /** Overrides fetch (tests count requests through it). */
  fetch?: typeof fetch;
}

export interface HubFile {
  path: string;
  size: number;
}

export class HubRequestError extends Error {
  constructor(
    readonly repo: string,
    /** HTTP status, or undefined when no answer came (network, DNS, a malformed answer). */
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }

  /** A refusal that a retry cannot change: the repo or file does not exist, or the token may not read it. */
  get permanent(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500 && ![408, 429].includes(this.status);
  }
}

const dataset = (repo: string) => ({ type: 'dataset' as const, name: repo });

/** The commit a revision (branch, tag or sha) of a dataset points at now. */
export async function resolveRevision(access: HubAccess, repo: string, revision: string): Promise<string> {
  const info = await guardHubCall(repo, () =>
    datasetInfo({ name: repo, revision, additionalFields: ['sha'], ...credentials(access) }),
  );
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== 'string' || sha === '') {
    throw new HubRequestError(repo, undefined, `${repo}: the hub named no commit for revision "${revision}"`);
  }
  return sha;
}

/** Every file of a dataset at a commit (recursively), directories left out. */
export async function listDatasetFiles(access: HubAccess, repo: string, sha: string): Promise<HubFile[]> {
  return guardHubCall(repo, async () => {
    const files: HubFile[] = [];
    for await (const entry of listFiles({
      repo: dataset(repo),
      revision: sha,
      recursive: true,
      ...credentials(access),
    })) {
      if (entry.type === 'file') files.push({ path: entry.path, size: entry.size });
    }
    return files;
  });
}

/** The bytes of one file of a dataset at a commit, as a web stream. */
export async function openDatasetFile(
  access: HubAccess,
  repo: string,
  sha: string,
  path: string,
): Promise<ReadableStream<Uint8Array>> {
  return guardHubCall(repo, async () => {
    const blob = await downloadFile({ repo: dataset(repo), path, revision: sha, xet: false, ...credentials(access) });
    if (!blob) throw new HubRequestError(repo, 404, `${repo}: file ${path} not found at ${sha}`);
    return blob.stream();
  });
}

function credentials(access: HubAccess) {
  return {
    hubUrl: access.hubUrl.replace(/\/+$/, ''),
    ...(access.accessToken ? { accessToken: access.accessToken } : {}),
    ...(access.fetch ? { fetch: access.fetch } : {}),
  };
}

/** Runs one hub call and turns whatever it throws into a HubRequestError that names the repo. */
export async function guardHubCall<T>(repo: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HubRequestError) throw error;
    if (error instanceof HubApiError) {
      // The library appends the URL and request id; the first sentence is the hub's own reason.
      const reason = error.message.split('. URL: ')[0] ?? error.message;
      throw new HubRequestError(repo, error.statusCode, `${repo}: HTTP ${error.statusCode} ${reason}`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    throw new HubRequestError(
      repo,
      undefined,
      `${repo}: ${error instanceof Error ? error.message : String(error)}${cause}`,
    );
  }
}
