/** Job `run-advance`: one orchestrator pass over the run (see orchestrator.ts). */
import type { Orchestrator } from '../orchestrator.ts';

export const advanceRun = (orchestrator: Orchestrator) => (payload: { runId: string }) =>
  orchestrator.advance(payload.runId);
