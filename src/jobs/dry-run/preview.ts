/**
 * Previews (job `preview`): a small sample of a project — the first chunk(s) of each source, per stage — put through
 * every enabled stage that calls a model, with the real model, on a worker. The result holds what each stage would
 * write (its first outputs and the head of each file), a trace of every call (prompt, model, raw answer, what the
 * parser said and why) and the format check: per prompt and model, how many answers parsed on the first try — the
 * quick sign that a model does not follow the prompts' format, before a whole run is paid for.
 *
 * A preview's calls go to the provider fresh (its cache entries are its own, never a run's) and are accounted under
 * the preview's id, so they are billed and recorded (the estimates learn from them) without touching any run.
 */

import { finishPreview, getPreviewById, startPreview } from '../../db/queries/previews.ts';
import { errorMessage } from '../../lib/errors.ts';
import { groupBy } from '../../lib/group-by.ts';
import type { AttemptTrace } from '../../llm/types.ts';
import type { SourceView } from '../../pipelines/stage.ts';
import type { LlmPortFactory } from '../item-runner.ts';
import { getConfigForRun } from '../run-config.ts';
import { resolveRunSources } from '../runs.ts';
import type { StageDeps } from '../stage-deps.ts';
import type { StageRegistry } from '../stage-registry.ts';
import { runSandbox } from './sandbox.ts';

/** Outputs kept per stage, and characters of each file's head, in the result. */
const OUTPUTS_PER_STAGE = 3;
const FILE_HEAD_CHARS = 4000;
const RAW_ANSWER_CHARS = 8000;

export interface FormatCheck {
  prompt: string;
  model: string;
  /** Calls made (first attempts that reached the model). */
  calls: number;
  first_try_parsed: number;
  /** first_try_parsed ÷ calls. */
  first_try_rate: number;
  retries: number;
  /** Answers the parser gave up on (`drop`). */
  drops: number;
  /** The most frequent reason the parser gave, if any. */
  top_reason: string | null;
}

export interface PreviewResult {
  stages: Array<{
    name: string;
    kind: string;
    items: { planned: number; done: number; dropped: number; failed: number };
    reasons: Record<string, number>;
    outputs: unknown[];
    files: Array<{ path: string; bytes: number; records: number | null; head: string }>;
  }>;
  skipped: Array<{ stage: string; reason: string }>;
  calls: Array<AttemptTrace & { stage: string }>;
  format_check: FormatCheck[];
  totals: { calls: number; input_tokens: number; output_tokens: number };
}

export async function runPreview(
  deps: StageDeps,
  registry: StageRegistry,
  llmFor: LlmPortFactory,
  previewId: string,
  signal: AbortSignal,
): Promise<void> {
  const preview = await getPreviewById(deps.db, previewId);
  if (!preview || (preview.status !== 'queued' && preview.status !== 'running')) return;
  await startPreview(deps.db, previewId);
  try {
    // Throws "no longer exists" for a config deleted since: the preview fails with that.
    const runConfig = await getConfigForRun(deps, { configId: preview.configId });
    const { config } = runConfig;
    const sources = (await resolveRunSources(deps.db, preview.projectId, config)) as unknown as SourceView[];
    const traces: PreviewResult['calls'] = [];
    const sandbox = await runSandbox(deps, registry, {
      id: preview.id,
      seed: config.system.seed,
      config,
      sources,
      chunksPerSource: preview.chunksPerSource,
      concurrency: 8,
      signal,
      keepOutputs: OUTPUTS_PER_STAGE,
      fileHeadChars: FILE_HEAD_CHARS,
      log: { info() {}, warn() {} },
      llmFor: async (node, section) =>
        llmFor({
          runId: preview.id,
          stageName: node.name,
          section,
          runConfig,
          signal,
          priority: Date.now(),
          prompts: await deps.promptSets?.forStage(preview.projectId, config, node.kind, node.params),
          owner: { tenantId: preview.tenantId, projectId: preview.projectId },
          // A preview asks the model now: its answers are keyed to it, so no earlier answer stands in for one.
          refreshCache: true,
          onAttempt: (attempt) =>
            traces.push({ ...attempt, stage: node.name, raw: attempt.raw.slice(0, RAW_ANSWER_CHARS) }),
        }),
    });
    const result: PreviewResult = {
      stages: sandbox.stages.map((s) => ({
        name: s.name,
        kind: s.kind,
        items: s.items,
        reasons: s.reasons,
        outputs: s.outputs,
        files: s.artifacts,
      })),
      skipped: sandbox.skipped,
      calls: traces,
      format_check: formatCheck(traces),
      totals: {
        calls: traces.length,
        input_tokens: traces.reduce((n, t) => n + t.inputTokens, 0),
        output_tokens: traces.reduce((n, t) => n + t.outputTokens, 0),
      },
    };
    await finishPreview(deps.db, previewId, {
      status: 'succeeded',
      result: result as unknown as Record<string, unknown>,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    await finishPreview(deps.db, previewId, { status: 'failed', error: errorMessage(error) });
  }
}

/**
 * Per prompt and model: of the calls that reached the model, how many answers parsed on the first try. Cached
 * attempts (the same call made twice within the preview) are the same answer again and are not counted twice.
 */
export function formatCheck(traces: readonly AttemptTrace[]): FormatCheck[] {
  const groups = groupBy(
    traces.filter((t) => !t.cached),
    (t) => `${t.prompt}\u0000${t.model}`,
  );
  return [...groups.values()].map((attempts) => {
    const first = attempts.filter((a) => a.attempt === 0);
    const parsed = first.filter((a) => a.outcome === 'ok').length;
    const reasons = new Map<string, number>();
    for (const a of attempts) if (a.reason) reasons.set(a.reason, (reasons.get(a.reason) ?? 0) + 1);
    const top = [...reasons].sort((a, b) => b[1] - a[1])[0];
    return {
      prompt: attempts[0]?.prompt ?? '',
      model: attempts[0]?.model ?? '',
      calls: first.length,
      first_try_parsed: parsed,
      first_try_rate: first.length === 0 ? 0 : Math.round((parsed / first.length) * 1000) / 1000,
      retries: attempts.filter((a) => a.outcome === 'retry').length,
      drops: attempts.filter((a) => a.outcome === 'drop').length,
      top_reason: top ? top[0] : null,
    };
  });
}
