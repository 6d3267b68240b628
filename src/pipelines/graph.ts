/**
 * The composition as a graph of stage instances, built from the registered stage specs (stages.ts). Pure: config
 * and specs in, nodes out. A stage of a kind this service version cannot run, or one the config switches off, is
 * still a node, `skipped` with the reason, so a run's status never hides a part of the composition; the config
 * warnings about such stages come from the same graph.
 */
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { ProblemFieldError } from '../lib/errors.ts';
import type { StageInstance, StageSpec } from './stage-spec.ts';

export interface StageNode {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  /** Set when the stage will not run: why. */
  skip?: string;
}

const notAvailable = (kind: string) => `stage ${kind} is not available in this service version yet`;

const instancesOf = (spec: StageSpec, config: CompositionConfig): StageInstance[] =>
  spec.instances ? spec.instances(config) : [{ name: spec.kind, params: {} }];

/**
 * `available`: the kinds this process can run. A node depends on every instance of every kind its spec needs,
 * except that instances of two different generations (both with an `index` param) never wait for each other:
 * thought_rewrite/1 waits for factual_sft/…/1 only.
 */
export function buildStageGraph(
  config: CompositionConfig,
  specs: readonly StageSpec[],
  available: ReadonlySet<string>,
): StageNode[] {
  const byKind = new Map<string, StageInstance[]>();
  for (const spec of specs) byKind.set(spec.kind, instancesOf(spec, config));
  const nodes: StageNode[] = [];
  for (const spec of specs) {
    const skip = spec.disabledBy?.(config) ?? (available.has(spec.kind) ? undefined : notAvailable(spec.kind));
    for (const instance of byKind.get(spec.kind) ?? []) {
      const dependsOn = spec.needs.flatMap((need) => {
        const upstream = byKind.get(need.kind);
        if (!upstream) throw new Error(`stage ${spec.kind} needs ${need.kind}, which no registered stage provides`);
        return upstream.filter((u) => sameGeneration(u.params, instance.params)).map((u) => u.name);
      });
      const node: StageNode = { name: instance.name, kind: spec.kind, params: instance.params, dependsOn };
      nodes.push(skip ? { ...node, skip } : node);
    }
  }
  return keepGenerationsTogether(nodes);
}

function sameGeneration(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.index === undefined || b.index === undefined || a.index === b.index;
}

/**
 * Within each run of consecutive numbered nodes, orders them by generation, so a run's status lists
 * `factual_sft/…/0, thought_rewrite/0, factual_sft/…/1, thought_rewrite/1` (a stable sort keeps kinds in order).
 */
function keepGenerationsTogether(nodes: StageNode[]): StageNode[] {
  const out: StageNode[] = [];
  let block: StageNode[] = [];
  const flush = () => {
    out.push(...block.sort((a, b) => Number(a.params.index) - Number(b.params.index)));
    block = [];
  };
  for (const node of nodes) {
    if (node.params.index === undefined) {
      flush();
      out.push(node);
    } else block.push(node);
  }
  flush();
  return out;
}

/** One warning per kind the config asks for that this service version cannot run, at its config section. */
export function unavailableStageWarnings(
  config: CompositionConfig,
  specs: readonly StageSpec[],
  available: ReadonlySet<string>,
): ProblemFieldError[] {
  const nodes = buildStageGraph(config, specs, available);
  const warned = new Set<string>();
  const warnings: ProblemFieldError[] = [];
  for (const spec of specs) {
    const unavailable = nodes.some((n) => n.kind === spec.kind && n.skip === notAvailable(spec.kind));
    if (!unavailable || warned.has(spec.kind)) continue;
    warned.add(spec.kind);
    warnings.push({
      path: spec.configPath,
      message: `${notAvailable(spec.kind)}; it will be reported as skipped`,
    });
  }
  return warnings;
}

/** Where a model-calling kind sits in the chains of model-calling kinds that run one after another. */
export interface ChainPosition {
  /** The longest chain that starts with it, itself included: pdf_cleaning 3 (→ factual_sft → thought_rewrite). */
  height: number;
  /** The longest chain that ends with it, itself included: thought_rewrite 3, representation_variation 2. */
  depth: number;
}

/** The chain position of every kind that calls a model, from the specs' needs. */
export function modelChainPositions(
  specs: readonly StageSpec[],
  callsModel: (kind: string) => boolean,
): Map<string, ChainPosition> {
  // The kinds that read a kind, and those it reads: the two directions a chain is walked in.
  const readersOf = (kind: string) => specs.filter((s) => s.needs.some((n) => n.kind === kind)).map((s) => s.kind);
  const needsOf = (kind: string) => specs.find((s) => s.kind === kind)?.needs.map((n) => n.kind) ?? [];
  const longest = (next: (kind: string) => string[]) => {
    const memo = new Map<string, number>();
    const walk = (kind: string, path: ReadonlySet<string>): number => {
      const known = memo.get(kind);
      if (known !== undefined) return known;
      if (path.has(kind)) throw new Error(`the stage specs read each other in a cycle through ${kind}`);
      const on = new Set(path).add(kind);
      const length = (callsModel(kind) ? 1 : 0) + Math.max(0, ...next(kind).map((k) => walk(k, on)));
      memo.set(kind, length);
      return length;
    };
    return (kind: string) => walk(kind, new Set());
  };
  const heightOf = longest(readersOf);
  const depthOf = longest(needsOf);
  const out = new Map<string, ChainPosition>();
  for (const spec of specs) {
    if (callsModel(spec.kind)) out.set(spec.kind, { height: heightOf(spec.kind), depth: depthOf(spec.kind) });
  }
  return out;
}
