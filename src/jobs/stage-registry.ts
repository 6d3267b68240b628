/**
 * Every stage kind this process can run, by kind, and the composition's graph built from them. Programmatic stages
 * that need the database or blob store (ingest) are built here from their dependencies; the pipeline stages and the
 * composition's order come from src/pipelines/stages.ts.
 */
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { ProblemFieldError } from '../lib/errors.ts';
import {
  buildStageGraph,
  type ChainPosition,
  modelChainPositions,
  type StageNode,
  unavailableStageWarnings,
} from '../pipelines/graph.ts';
import { type AnyStageDefinition, isItemStage } from '../pipelines/stage.ts';
import type { StageSpec } from '../pipelines/stage-spec.ts';
import { compositionStages, pipelineStages } from '../pipelines/stages.ts';
import type { StageDeps } from './stage-deps.ts';
import { createIngestStage } from './stages/ingest.ts';

export interface StageRegistry {
  /** The definition of a kind this process can run. */
  get(kind: string): AnyStageDefinition | undefined;
  kinds(): string[];
  /** The kinds with items, each with its own queue. */
  itemKinds(): string[];
  /** The stage instances a run of this config consists of. */
  graph(config: CompositionConfig): StageNode[];
  /** What the config asks for that this version cannot run (as config warnings). */
  warnings(config: CompositionConfig): ProblemFieldError[];
  /** Where a model-calling kind sits in the chains of model-calling kinds (undefined for kinds that call none). */
  chainPosition(kind: string): ChainPosition | undefined;
}

/** `extra`: stages tests add (with kinds of their own); they join the graph after the composition's stages. */
export function createStageRegistry(deps: StageDeps, extra: AnyStageDefinition[] = []): StageRegistry {
  const definitions = new Map<string, AnyStageDefinition>();
  for (const stage of [createIngestStage(deps), ...pipelineStages, ...extra]) {
    if (definitions.has(stage.kind)) throw new Error(`two stage definitions of kind ${stage.kind}`);
    definitions.set(stage.kind, stage);
  }
  const specs: StageSpec[] = [...compositionStages, ...extra];
  const available = new Set(definitions.keys());
  const positions = modelChainPositions(specs, (kind) => {
    const definition = definitions.get(kind);
    return definition !== undefined && isItemStage(definition) && definition.llmSection !== undefined;
  });
  return {
    get: (kind) => definitions.get(kind),
    kinds: () => [...definitions.keys()],
    itemKinds: () => [...definitions.values()].filter(isItemStage).map((s) => s.kind),
    graph: (config) => buildStageGraph(config, specs, available),
    warnings: (config) => unavailableStageWarnings(config, specs, available),
    chainPosition: (kind) => positions.get(kind),
  };
}
