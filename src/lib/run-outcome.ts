/**
 * A finished run's outcome: what its status word alone cannot say. Stored with the run when it settles, so the run
 * status, the run list and the events all carry the same one.
 */
export type OutcomeKind =
  /** Every planned item produced its output. */
  | 'complete'
  /** The run finished, but some items were dropped or failed: counts and top reasons say which. */
  | 'with_drops'
  /** A stage that should produce data produced none (every item dropped or failed). */
  | 'no_output'
  /** A stage dropped more than `max_drop_fraction` of its items: stopped before paying for what follows. */
  | 'too_many_drops'
  /** A stage failed for another reason (planning or finishing broke). */
  | 'failed'
  | 'canceled';

export interface RunOutcome {
  kind: OutcomeKind;
  planned: number;
  dropped: number;
  failed: number;
  /** The most frequent drop and failure reasons across the run, most frequent first. */
  topReasons: Array<{ reason: string; count: number }>;
  /** The stage a no_output / too_many_drops / failed outcome is about. */
  stage: string | null;
  /** What to try next, for the outcomes that call for it. */
  advice: string | null;
}

/** The outcome as the API and the events show it (snake_case, like every API document). */
export function outcomeDocument(outcome: RunOutcome) {
  return {
    kind: outcome.kind,
    planned: outcome.planned,
    dropped: outcome.dropped,
    failed: outcome.failed,
    top_reasons: outcome.topReasons,
    stage: outcome.stage,
    advice: outcome.advice,
  };
}
