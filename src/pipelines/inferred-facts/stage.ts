/**
 * Stage `inferred_facts` (blueprint §5.3): the representation-variation chain with the inferred-facts prompts and one
 * more step: after the atomic facts, the small model (meant to be a reasoner) infers what follows from them, and
 * every variation is written from both. The filter runs on the LARGE model and reuses the representation-variation
 * filter prompt, as the original does. Writes `inferred_facts_<source>/final_output.jsonl`.
 */
import { outputTree } from '../output-tree.ts';
import { chunkVariationStage } from '../shared/chunk-stage.ts';
import type { ChunkRecipe } from '../shared/chunk-variations.ts';
import { extractInferredFacts } from './steps.ts';

export const inferredFactsRecipe: ChunkRecipe = {
  name: 'inferred',
  promptGroup: 'inferred-facts',
  models: { filter: 'large', atomicFacts: 'small' },
  takesDatasetContext: false,
  extraFacts: { variable: 'inferred_facts', derive: extractInferredFacts },
};

export const inferredFactsStage = chunkVariationStage({
  kind: 'inferred_facts',
  recipe: inferredFactsRecipe,
  artifact: outputTree.inferredFacts,
});
