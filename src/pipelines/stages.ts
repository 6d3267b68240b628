/**
 * The generation pipelines' stages and the prompts they use. The job layer registers these next to its own
 * programmatic stages (ingest) and loads and checks every prompt listed here at start-up.
 */
import { assemblyStage } from './assembly/stage.ts';
import { trainingConfigsStage } from './axolotl/stage.ts';
import { prompts as pdfCleaningPrompts } from './pdf-cleaning/prompts.ts';
import { pdfCleaningStage } from './pdf-cleaning/stage.ts';
import { prompts as repvarPrompts } from './representation-variation/prompts.ts';
import { inferredFactsStage, representationVariationStage } from './representation-variation/stage.ts';
import type { StageDefinition } from './stage.ts';

export const pipelineStages: StageDefinition[] = [
  pdfCleaningStage,
  representationVariationStage,
  inferredFactsStage,
  assemblyStage,
  trainingConfigsStage,
] as unknown as StageDefinition[];

export const promptSpecs = [...pdfCleaningPrompts, ...repvarPrompts];
