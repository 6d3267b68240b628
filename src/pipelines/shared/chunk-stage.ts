/**
 * The stage shape the representation-variation and inferred-facts pipelines share (blueprint §5.2–5.4): the
 * source's cleaned documents are chunked at `representation_variation_chunk_size`, optionally subset (system
 * `use_subset`/`subset_size`, seeded), and each chunk goes through the shared chunk steps with the pipeline's recipe.
 * Finishes by writing the pipeline's `final_output.jsonl` per source, with the context header on every line.
 */
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import type { ItemStageDefinition } from '../stage.ts';
import { withTexts } from './chunk-texts.ts';
import { type ChunkRecipe, processChunk } from './chunk-variations.ts';
import { type ChunkVariations, ChunkVariationsSchema, pretrainingFile } from './pretraining-lines.ts';
import { seededSubset } from './source-chunks.ts';

export const ChunkInputSchema = z.object({
  sourceName: z.string(),
  metadata: z.string(),
  text: z.string(),
  variationCount: z.number().int(),
});
export type ChunkInput = z.infer<typeof ChunkInputSchema>;

export type ChunkStage = ItemStageDefinition<ChunkInput, ChunkVariations>;

export function chunkVariationStage(options: {
  kind: string;
  recipe: ChunkRecipe;
  /** Where the source's `final_output.jsonl` goes (an `outputTree` entry). */
  artifact: (source: string) => string;
}): ChunkStage {
  const { kind, recipe, artifact } = options;
  return {
    kind,
    needs: [pdfCleaningStage],
    configPath: 'representation_variation',
    llmSection: 'representation_variation',
    input: ChunkInputSchema,
    output: ChunkVariationsSchema,
    async *plan(ctx) {
      const { system, representation_variation: settings } = ctx.config;
      const cleaned = await ctx.resultOf(pdfCleaningStage);
      for (const source of ctx.sources) {
        const documents = cleaned.filter((d) => d.sourceName === source.name);
        let chunks = await ctx.chunkDocuments(documents, settings.representation_variation_chunk_size);
        if (system.use_subset) chunks = seededSubset(chunks, system.subset_size);
        for await (const [chunk, textOf] of withTexts(ctx, chunks, (c) => [c])) {
          yield {
            key: sha256Hex(`${source.name}\u0000${chunk.id}`).slice(0, 32),
            input: {
              sourceName: source.name,
              metadata: chunk.metadata,
              text: textOf(chunk),
              variationCount: source.settings.variation_generation_counts,
            },
          };
        }
      }
    },
    process(input, ctx) {
      return processChunk(ctx, { text: input.text, metadata: input.metadata }, recipe, {
        variationCount: input.variationCount,
        codeVariations: ctx.config.representation_variation.code_variation_functions,
      });
    },
    async finish(ctx) {
      const done = await ctx.outputs();
      for (const source of ctx.sources) {
        await ctx.writeArtifact(artifact(source.name), pretrainingFile(done, source.name, ctx.config.dataset_context));
      }
    },
  };
}
