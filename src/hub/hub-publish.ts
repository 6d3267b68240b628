/**
 * Publishing to the Hugging Face Hub: make sure a dataset repo exists (created private or public), then put files
 * into it as one commit. Uploads go through `@huggingface/hub`, which asks the Hub first which files it already has
 * (by content hash, for large files) and sends only the rest, so repeating a push that failed midway re-sends
 * little. Failures are `HubRequestError`s naming the repo and the Hub's reason.
 */
import { createRepo, datasetInfo, uploadFiles } from '@huggingface/hub';
import { guardHubCall, type HubAccess, HubRequestError } from './hub-client.ts';

export interface PublishFile {
  /** Path inside the repo. */
  path: string;
  content: Blob;
}

/** Creates the dataset repo unless the token can already see it. */
export async function ensureDatasetRepo(
  access: HubAccess,
  repo: string,
  isPrivate: boolean,
): Promise<'created' | 'exists'> {
  const accessToken = access.accessToken;
  if (!accessToken)
    throw new HubRequestError(repo, 401, `${repo}: publishing needs a Hugging Face token with write access`);
  const hubUrl = access.hubUrl.replace(/\/+$/, '');
  const fetchOption = access.fetch ? { fetch: access.fetch } : {};
  try {
    await guardHubCall(repo, () => datasetInfo({ name: repo, hubUrl, accessToken, ...fetchOption }));
    return 'exists';
  } catch (error) {
    if (!(error instanceof HubRequestError) || error.status !== 404) throw error;
  }
  await guardHubCall(repo, () =>
    createRepo({ repo: { type: 'dataset', name: repo }, private: isPrivate, hubUrl, accessToken, ...fetchOption }),
  );
  return 'created';
}

/** Puts the files into the repo's branch as one commit; returns the commit id. */
export async function commitFiles(
  access: HubAccess,
  repo: string,
  branch: string,
  files: PublishFile[],
  title: string,
): Promise<string> {
  const accessToken = access.accessToken;
  if (!accessToken)
    throw new HubRequestError(repo, 401, `${repo}: publishing needs a Hugging Face token with write access`);
  const result = await guardHubCall(repo, () =>
    uploadFiles({
      repo: { type: 'dataset', name: repo },
      files,
      branch,
      commitTitle: title,
      hubUrl: access.hubUrl.replace(/\/+$/, ''),
      accessToken,
      useXet: false,
      ...(access.fetch ? { fetch: access.fetch } : {}),
    }),
  );
  return result?.commit.oid ?? '';
}
