/**
 * Jobs `hub-push` and `hub-push-dead`: publish a finished run's `sft_run/`, `pretraining_run/` and `exports/` to a
 * Hugging Face dataset repo as one commit, with the dataset card at the repo root (its data files pointed into
 * `sft_run/`). Files are read lazily from the blob store. A refusal no retry can change (no access, a bad token) ends
 * the push at once; faults are retried by the queue, and a push that fails every attempt is recorded with its last
 * error. The token is opened only here, and forgotten when the push ends.
 */
import { getArtifact, listArtifacts } from '../../db/queries/artifacts.ts';
import {
  finishHubPush,
  getHubPush,
  type HubPushRow,
  requeueHubPush,
  startHubPush,
} from '../../db/queries/hub-pushes.ts';
import { getRunById } from '../../db/queries/runs.ts';
import { HubRequestError } from '../../hub/hub-client.ts';
import { commitFiles, ensureDatasetRepo, type PublishFile } from '../../hub/hub-publish.ts';
import { errorMessage } from '../../lib/errors.ts';
import { withDataFilesUnder } from '../../pipelines/assembly/dataset-card.ts';
import { outputTree } from '../../pipelines/output-tree.ts';
import type { ItemLogger } from '../item-runner.ts';
import { getConfigForRun } from '../run-config.ts';
import type { StageDeps } from '../stage-deps.ts';

/** The folders of the output tree a push publishes. */
export const PUSHED_FOLDERS = ['sft_run/', 'pretraining_run/', 'exports/'];

export const pushToHub = (deps: StageDeps, log: ItemLogger) => async (payload: { pushId: string }) => {
  const push = await getHubPush(deps.db, payload.pushId);
  if (!push || !(await startHubPush(deps.db, push.id))) return;
  try {
    const token = await tokenFor(deps, push);
    const access = { hubUrl: deps.settings.huggingfaceHubUrl, ...(token ? { accessToken: token } : {}) };
    const files = await filesOf(deps, push.runId);
    await ensureDatasetRepo(access, push.repo, push.private);
    const commit = await commitFiles(access, push.repo, push.branch, files, `Datasets of run ${push.runId}`);
    const bytes = files.reduce((n, f) => n + f.content.size, 0);
    await finishHubPush(deps.db, push.id, { status: 'succeeded', commit, files: files.length, bytes });
    log.info({ pushId: push.id, repo: push.repo, files: files.length, bytes }, 'pushed to the hub');
  } catch (error) {
    if (error instanceof HubRequestError && error.permanent) {
      await finishHubPush(deps.db, push.id, { status: 'failed', error: error.message });
      return;
    }
    await requeueHubPush(deps.db, push.id, errorMessage(error));
    throw error;
  }
};

export const recordDeadPush = (deps: StageDeps) => async (payload: { pushId: string }) => {
  const push = await getHubPush(deps.db, payload.pushId);
  if (!push || push.status === 'succeeded' || push.status === 'failed') return;
  await finishHubPush(deps.db, push.id, {
    status: 'failed',
    error: `failed after every retry: ${push.error ?? 'unknown error'}`,
  });
};

/** The push's own token, else the run config's, else the service's. */
async function tokenFor(deps: StageDeps, push: HubPushRow): Promise<string | undefined> {
  if (push.tokenSealed) return deps.secretBox.open(push.tokenSealed);
  const run = await getRunById(deps.db, push.runId);
  const configToken = run ? (await getConfigForRun(deps, run)).config.model_auto_train.huggingface_token : '';
  return configToken || deps.settings.huggingfaceToken;
}

async function filesOf(deps: StageDeps, runId: string): Promise<PublishFile[]> {
  const files: PublishFile[] = [];
  for (const folder of PUSHED_FOLDERS) {
    for (const artifact of await listArtifacts(deps.db, runId, folder)) {
      files.push({ path: artifact.path, content: await deps.blobs.openAsBlob(artifact.blobKey) });
    }
  }
  const card = await getArtifact(deps.db, runId, outputTree.sftRun.path(outputTree.sftRun.card));
  if (card) {
    const text = (await deps.blobs.get(card.blobKey)).toString('utf8');
    files.push({ path: 'README.md', content: new Blob([withDataFilesUnder(text, `${outputTree.sftRun.folder}/`)]) });
  }
  return files;
}
