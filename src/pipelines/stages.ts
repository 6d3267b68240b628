/**
 * The registry: every stage of the composition, in the order a run lists them, and the prompts the pipelines use.
 * Stage definitions come from their pipeline folders; `ingest` is the job layer's, and the kinds this version cannot
 * run yet are specs only (planned-stages.ts). Adding a stage kind = its folder plus one line here.
 */
import { assemblyStage } from './assembly/stage.ts';
import { trainingConfigsStage } from './axolotl/stage.ts';
import { prompts as correctionPrompts } from './correction/prompts.ts';
import { correctionStage } from './correction/stage.ts';
import { prompts as factualSftPrompts } from './factual-sft/prompts.ts';
import { factualSftStage } from './factual-sft/stage.ts';
import { prompts as inferredFactsPrompts } from './inferred-facts/prompts.ts';
import { inferredFactsStage } from './inferred-facts/stage.ts';
import { prompts as pdfCleaningPrompts } from './pdf-cleaning/prompts.ts';
import { pdfCleaningStage } from './pdf-cleaning/stage.ts';
import { genericSftStage, ingestStage } from './planned-stages.ts';
import { prompts as ragDataPrompts } from './rag-data/prompts.ts';
import { ragDataStage } from './rag-data/stage.ts';
import { prompts as representationVariationPrompts } from './representation-variation/prompts.ts';
import { representationVariationStage } from './representation-variation/stage.ts';
import type { AnyStageDefinition } from './stage.ts';
import type { StageSpec } from './stage-spec.ts';
import { prompts as thoughtRewritePrompts } from './thought-rewrite/prompts.ts';
import { thoughtRewriteStage } from './thought-rewrite/stage.ts';

/**
 * The whole composition, in run order: what the graph is built from. Stage definitions, plus the kinds that are specs
 * only (`ingest`, which the job layer implements, and those not built yet).
 */
export const compositionStages: ReadonlyArray<StageSpec | AnyStageDefinition> = [
  ingestStage,
  pdfCleaningStage,
  representationVariationStage,
  inferredFactsStage,
  factualSftStage,
  thoughtRewriteStage,
  ragDataStage,
  correctionStage,
  genericSftStage,
  assemblyStage,
  trainingConfigsStage,
];

/** The stages src/pipelines implements: the definitions among them. */
export const pipelineStages: readonly AnyStageDefinition[] = compositionStages.filter(
  (stage): stage is AnyStageDefinition => 'finish' in stage,
);

export const promptSpecs = [
  ...pdfCleaningPrompts,
  ...representationVariationPrompts,
  ...inferredFactsPrompts,
  ...factualSftPrompts,
  ...thoughtRewritePrompts,
  ...ragDataPrompts,
  ...correctionPrompts,
];
