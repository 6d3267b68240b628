/**
 * The registry: every stage of the composition, in the order a run lists them, and the prompts the pipelines use.
 * Stage definitions come from their pipeline folders; `ingest` is the job layer's (a spec here). Adding a stage kind =
 * its folder plus one line here.
 */
import { pretrainingFilesStage } from './assembly/pretraining-files.ts';
import { sftMixStage } from './assembly/sft-mix.ts';
import { assemblyStage } from './assembly/stage.ts';
import { trainingConfigsStage } from './axolotl/stage.ts';
import { prompts as correctionPrompts } from './correction/prompts.ts';
import { correctionStage } from './correction/stage.ts';
import { prompts as factualSftPrompts } from './factual-sft/prompts.ts';
import { factualSftStage } from './factual-sft/stage.ts';
import { genericSftStage } from './generic-sft/stage.ts';
import { prompts as inferredFactsPrompts } from './inferred-facts/prompts.ts';
import { inferredFactsStage } from './inferred-facts/stage.ts';
import { ingestStage } from './ingest-stage.ts';
import { prompts as pdfCleaningPrompts } from './pdf-cleaning/prompts.ts';
import { pdfCleaningStage } from './pdf-cleaning/stage.ts';
import { prompts as ragDataPrompts } from './rag-data/prompts.ts';
import { ragDataStage } from './rag-data/stage.ts';
import { prompts as representationVariationPrompts } from './representation-variation/prompts.ts';
import { representationVariationStage } from './representation-variation/stage.ts';
import type { AnyStageDefinition } from './stage.ts';
import type { StageSpec } from './stage-spec.ts';
import { prompts as thoughtRewritePrompts } from './thought-rewrite/prompts.ts';
import { thoughtRewriteStage } from './thought-rewrite/stage.ts';

/**
 * The whole composition, in run order: what the graph is built from. Stage definitions, plus `ingest`, a spec only
 * (the job layer implements it).
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
  pretrainingFilesStage,
  sftMixStage,
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
