/**
 * Stage `representation_variation` (blueprint §5.2, §5.4): each chunk of the source's cleaned documents is filtered,
 * turned into atomic facts and rewritten V times in the eight variation formats (V = the source's
 * `variation_generation_counts`), plus the configured code variations. Writes
 * `representation_variation_<source>/final_output.jsonl`.
 */
import { outputTree } from '../output-tree.ts';
import { chunkVariationStage } from '../shared/chunk-stage.ts';
import type { ChunkRecipe } from '../shared/chunk-variations.ts';

export const representationVariationRecipe: ChunkRecipe = {
  name: 'repvar',
  promptGroup: 'representation-variation',
  models: { filter: 'small', atomicFacts: 'small' },
  takesDatasetContext: true,
};

export const representationVariationStage = chunkVariationStage({
  kind: 'representation_variation',
  recipe: representationVariationRecipe,
  artifact: outputTree.representationVariation,
});
