/**
 * Honest outcomes. A stage whose items all ended without output (`no_output`), or that lost more than
 * `max_drop_fraction` of them (`too_many_drops`), stops the run at that stage — before the stages after it pay for
 * anything — with the figures, the dominant reason and what to try. A run that finishes says whether every planned
 * item produced its output (`complete`) or not (`with_drops`, status `succeeded_with_drops`).
 */
import type { StageCounts } from '../db/queries/run-items.ts';
import type { OutcomeKind, RunOutcome } from '../lib/run-outcome.ts';

const ADVICE: Partial<Record<OutcomeKind, string>> = {
  no_output:
    'check the reasons: a filter judging everything unsuitable wants other documents or another model; answers that never parse want another model or a preview of the prompts with it',
  too_many_drops:
    'raise max_drop_fraction for this stage if these drops are expected, or fix their cause (model, prompts, documents) and run again',
};

export interface StageVerdict {
  code: 'no_output' | 'too_many_drops';
  message: string;
}

function topReasons(reasons: Record<string, number>, n = 3): Array<{ reason: string; count: number }> {
  return Object.entries(reasons)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, n);
}

/** Whether a settled item stage may hand on to the stages after it. */
export function stageVerdict(
  stage: string,
  counts: StageCounts | undefined,
  maxDropFraction: number,
): StageVerdict | undefined {
  if (!counts || counts.total === 0) return undefined;
  const lost = counts.dropped + counts.failed;
  const top = topReasons(counts.reasons, 1)[0];
  const why = top ? ` (most often: "${top.reason}", ${top.count}×)` : '';
  if (counts.done === 0) {
    return {
      code: 'no_output',
      message: `stage ${stage} produced no output: all ${counts.total} items were dropped or failed${why}`,
    };
  }
  if (lost / counts.total > maxDropFraction) {
    return {
      code: 'too_many_drops',
      message:
        `stage ${stage} lost ${lost} of ${counts.total} items (${Math.round((lost / counts.total) * 100)}%), more than ` +
        `max_drop_fraction ${maxDropFraction}${why}`,
    };
  }
  return undefined;
}

/**
 * A stage still running whose losses already pass `max_drop_fraction` of its items: whatever its pending items do,
 * the stage fails, so it stops now instead of paying for them — `no_output` when nothing it settled produced output,
 * else `too_many_drops`.
 */
export function certainLoss(
  stage: string,
  counts: StageCounts | undefined,
  maxDropFraction: number,
): StageVerdict | undefined {
  if (!counts || counts.pending === 0 || counts.total === 0) return undefined;
  const lost = counts.dropped + counts.failed;
  if (lost <= maxDropFraction * counts.total) return undefined;
  const top = topReasons(counts.reasons, 1)[0];
  const why = top ? ` (most often: "${top.reason}", ${top.count}×)` : '';
  if (counts.done === 0) {
    return {
      code: 'no_output',
      message:
        `stage ${stage} produced no output: all ${lost} of its first ${lost} settled items (of ${counts.total}) were ` +
        `dropped or failed${why}; stopped early, ${counts.pending} items not processed`,
    };
  }
  return {
    code: 'too_many_drops',
    message:
      `stage ${stage} lost ${lost} of ${counts.total} items, more than max_drop_fraction ${maxDropFraction} allows ` +
      `whatever the rest do${why}; stopped early, ${counts.pending} items not processed`,
  };
}

/** The outcome of a run that settles now; `failedStage` when a stage failed (its error says why). */
export function runOutcome(
  counts: ReadonlyMap<string, StageCounts>,
  end: { status: 'succeeded' | 'failed' | 'canceled'; failedStage?: { name: string; error: string | null } },
): RunOutcome {
  let planned = 0;
  let dropped = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  for (const c of counts.values()) {
    planned += c.total;
    dropped += c.dropped;
    failed += c.failed;
    for (const [reason, n] of Object.entries(c.reasons)) reasons[reason] = (reasons[reason] ?? 0) + n;
  }
  let kind: OutcomeKind;
  if (end.status === 'canceled') kind = 'canceled';
  else if (end.status === 'failed') {
    const code = /^(no_output|too_many_drops):/.exec(end.failedStage?.error ?? '')?.[1] as OutcomeKind | undefined;
    kind = code ?? 'failed';
  } else kind = dropped + failed > 0 ? 'with_drops' : 'complete';
  return {
    kind,
    planned,
    dropped,
    failed,
    topReasons: topReasons(reasons),
    stage: end.failedStage?.name ?? null,
    advice: ADVICE[kind] ?? null,
  };
}
