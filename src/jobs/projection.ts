/**
 * Where a run is heading: per stage and in total, the calls and cost it will have made when it ends, and when that
 * is. Pure: the run's actuals and its estimate in, the projection out. A stage that ended counts what it made; one
 * still to run counts its estimate; a running one counts what it made plus the estimate's share of its pending items
 * (without an estimate, what it made scaled up by its settled share). The time left is the calls left at the rate
 * the run has been making them.
 */
import type { Estimate } from './dry-run/estimate-types.ts';

export interface StageActuals {
  name: string;
  state: string;
  items: { total: number; pending: number };
  llm: { calls: number; cost: number };
}

export interface StageProjection {
  calls: number;
  cost_usd: number;
  /** Seconds its calls still to make take at the run's rate; null once it ended or with no rate yet. */
  eta_seconds: number | null;
}

export interface RunProjection {
  calls: number;
  cost_usd: number;
  eta_seconds: number | null;
  stages: Map<string, StageProjection | null>;
}

const ENDED = new Set(['succeeded', 'failed', 'canceled', 'skipped']);

export function projectRun(
  stages: readonly StageActuals[],
  estimate: Pick<Estimate, 'stages'> | null,
  options: {
    running: boolean;
    elapsedSeconds: number | null;
    /** Running stages that plan more items as the stages they read finish (items flow). */
    awaitingSources?: ReadonlySet<string>;
  },
): RunProjection {
  const totalCalls = stages.reduce((n, s) => n + s.llm.calls, 0);
  const rate =
    options.running && options.elapsedSeconds && options.elapsedSeconds > 0 && totalCalls > 0
      ? totalCalls / options.elapsedSeconds
      : undefined;
  const byName = new Map(estimate?.stages.map((s) => [s.name, s]) ?? []);
  const out: RunProjection = { calls: 0, cost_usd: 0, eta_seconds: null, stages: new Map() };
  let remainingCalls = 0;
  let unknown = false;
  for (const stage of stages) {
    const estimated = byName.get(stage.name);
    let projected: { calls: number; cost: number } | undefined;
    if (ENDED.has(stage.state)) projected = { calls: stage.llm.calls, cost: stage.llm.cost };
    else if (estimated) {
      // Not planned yet (no items): all of the estimate is still to come. A stage planned in parts as its sources
      // finish (items flow) has the estimate's items it has not planned yet still to come as well.
      const planned = expectedItems(stage, estimated.items, options.awaitingSources);
      const share = planned > 0 ? (stage.items.pending + planned - stage.items.total) / planned : 1;
      projected = {
        calls: stage.llm.calls + estimated.calls * share,
        cost: stage.llm.cost + estimated.cost_usd * share,
      };
    } else if (stage.items.total > 0 && stage.items.pending < stage.items.total) {
      const scale = stage.items.total / (stage.items.total - stage.items.pending);
      projected = { calls: stage.llm.calls * scale, cost: stage.llm.cost * scale };
    }
    if (!projected) {
      unknown = true;
      out.stages.set(stage.name, null);
      continue;
    }
    const left = Math.max(0, projected.calls - stage.llm.calls);
    remainingCalls += left;
    out.calls += projected.calls;
    out.cost_usd += projected.cost;
    out.stages.set(stage.name, {
      calls: Math.round(projected.calls),
      cost_usd: round6(projected.cost),
      eta_seconds: rate && !ENDED.has(stage.state) ? Math.round(left / rate) : null,
    });
  }
  out.calls = Math.round(out.calls);
  out.cost_usd = round6(out.cost_usd);
  out.eta_seconds = rate && !unknown ? Math.round(remainingCalls / rate) : null;
  return out;
}

/**
 * The items a stage will have: those planned, or for a stage still planning from the stages it reads (items flow)
 * at least as many as its estimate says.
 */
export function expectedItems(
  stage: Pick<StageActuals, 'name' | 'items'>,
  estimatedItems: number | undefined,
  awaitingSources: ReadonlySet<string> | undefined,
): number {
  return awaitingSources?.has(stage.name) ? Math.max(stage.items.total, estimatedItems ?? 0) : stage.items.total;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
