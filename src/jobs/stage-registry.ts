/**
 * Every stage kind this service can run, by kind. Programmatic stages that need the database or blob store (ingest)
 * are built here from their dependencies; LLM pipeline stages come from src/pipelines.
 */
import type { StageDefinition } from '../pipelines/stage.ts';
import { pipelineStages } from '../pipelines/stages.ts';
import type { StageDeps } from './stage-deps.ts';
import { createIngestStage } from './stages/ingest.ts';

export type StageRegistry = ReadonlyMap<string, StageDefinition>;

export function createStageRegistry(deps: StageDeps, extra: StageDefinition[] = []): StageRegistry {
  const stages: StageDefinition[] = [createIngestStage(deps) as StageDefinition, ...pipelineStages, ...extra];
  return new Map(stages.map((s) => [s.kind, s]));
}
