/**
 * Stages `representation_variation` and `inferred_facts` (blueprint §5.2–5.4): the source's cleaned documents are
 * chunked at `representation_variation_chunk_size`, optionally subset (system `use_subset`/`subset_size`, seeded),
 * and each chunk is filtered, turned into atomic (and inferred) facts and rewritten V times (V = the source's
 * `variation_generation_counts`), plus the configured code variations. Finishes by writing
 * `<stage>_<source>/final_output.jsonl` with the context header on every line.
 */

import { subsetChunks } from '../../ingest/chunk.ts';
import { sha256Hex } from '../../lib/hash.ts';
import { cleanedDocuments } from '../documents.ts';
import type { ChunkVariations } from '../pretraining/lines.ts';
import { pretrainingLines } from '../pretraining/lines.ts';
import type { PlannedItem, StageDefinition } from '../stage.ts';
import { processChunk, type RepvarMode } from './steps.ts';

export interface RepvarInput {
  sourceName: string;
  metadata: string;
  text: string;
  variationCount: number;
}

export type RepvarOutput = ChunkVariations;

function repvarStage(
  kind: 'representation_variation' | 'inferred_facts',
  mode: RepvarMode,
): StageDefinition<RepvarInput, RepvarOutput> {
  return {
    kind,
    llmSection: 'representation_variation',
    async plan(ctx) {
      const { system, representation_variation: settings } = ctx.config;
      const items: Array<PlannedItem<RepvarInput>> = [];
      for (const source of ctx.sources) {
        const documents = await cleanedDocuments(ctx, source.name);
        let chunks = await ctx.chunkDocuments(documents, settings.representation_variation_chunk_size);
        if (system.use_subset) chunks = subsetChunks(chunks, system.seed, system.subset_size);
        for (const chunk of chunks) {
          items.push({
            key: sha256Hex(`${source.name}\u0000${chunk.id}`).slice(0, 32),
            input: {
              sourceName: source.name,
              metadata: chunk.metadata,
              text: chunk.text,
              variationCount: source.settings.variation_generation_counts,
            },
          });
        }
      }
      return items;
    },
    process(input, ctx) {
      return processChunk(
        ctx,
        { text: input.text, metadata: input.metadata },
        {
          mode,
          variationCount: input.variationCount,
          codeVariations: ctx.config.representation_variation.code_variation_functions,
        },
      );
    },
    async finish(ctx) {
      const bySource = new Map<string, string[]>();
      for (const { input, output } of await ctx.outputs()) {
        const { sourceName, metadata, text } = input as RepvarInput;
        const lines = pretrainingLines(
          { ...output, text, metadata },
          // The composition always includes the context header (include_context_in_dataset is fixed to true).
          { includeContext: true, datasetContext: ctx.config.dataset_context },
        );
        bySource.set(sourceName, [...(bySource.get(sourceName) ?? []), ...lines]);
      }
      for (const source of ctx.sources) {
        const lines = bySource.get(source.name) ?? [];
        await ctx.writeArtifact(
          `${kind}_${source.name}/final_output.jsonl`,
          lines.length ? `${lines.join('\n')}\n` : '',
        );
      }
    },
  };
}

export const representationVariationStage = repvarStage('representation_variation', 'repvar');
export const inferredFactsStage = repvarStage('inferred_facts', 'inferred');
