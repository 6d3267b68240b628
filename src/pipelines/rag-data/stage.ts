/**
 * Stage `rag_data` (blueprint §3 C.2, §5.9): training data for using retrieved context. Per source, the cleaned
 * documents are chunked at `factual_chunk_size` (not re-read raw, ⚠ §3 C.2) and subset (`rag_use_subset`,
 * `rag_subset_size`); each chunk is filtered (the representation-variation filter: an identical judgement already
 * paid for is a cache hit), its retrieval simulated (seeded per source and chunk, ⚠ §5.9: the original shared one
 * cache across sources), and a conversation written that uses, or must do without, the retrieved chunks. Finishes by
 * writing `rag_data_<source>/axolotl_rag_conversations.jsonl`: `{"segments": [{label, text}]}` records grouped
 * `num_items_per_group` at a time, each trained only on its own turns.
 */
import { z } from 'zod';
import { ragUsesTemplate } from '../../config/composition/sft-rendering.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { fillContext } from '../factual-sft/saving.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { resolveTemplate } from '../shared/chat-template.ts';
import { withTexts } from '../shared/chunk-texts.ts';
import { toJsonl } from '../shared/jsonl.ts';
import { chunkItemKey, chunksBySource } from '../shared/source-chunks.ts';
import type { ItemStageDefinition } from '../stage.ts';
import { groupItems, groupRecords, type RagRendering } from './records.ts';
import { simulateRetrieval, stringifyChunks } from './retrieval.ts';
import { processRagChunk } from './steps.ts';

const ChunkSchema = z.object({ metadata: z.string(), text: z.string() });
const RagInputSchema = z.object({
  sourceName: z.string(),
  chunkIndex: z.number().int(),
  metadata: z.string(),
  text: z.string(),
  failed: z.boolean(),
  retrieved: z.array(ChunkSchema),
});
export type RagInput = z.infer<typeof RagInputSchema>;
const RagOutputSchema = z.object({ pairs: z.array(z.object({ question: z.string(), answer: z.string() })) });
const SegmentsSchema = z.object({ segments: z.array(z.object({ label: z.boolean(), text: z.string() })) });
/** Each source's records, for the SFT assembly. */
export const RecordsBySourceSchema = z.object({
  bySource: z.array(z.object({ source: z.string(), records: z.array(SegmentsSchema) })),
});
export type RecordsBySource = z.infer<typeof RecordsBySourceSchema>;

export const ragDataStage: ItemStageDefinition<RagInput, z.infer<typeof RagOutputSchema>, RecordsBySource> = {
  kind: 'rag_data',
  needs: [pdfCleaningStage],
  configPath: 'rag_data',
  llmSection: 'rag_data',
  input: RagInputSchema,
  output: RagOutputSchema,
  result: RecordsBySourceSchema,

  async *plan(ctx) {
    const rag = ctx.config.rag_data;
    const bySource = await chunksBySource(ctx, ctx.config.factual_sft_settings.factual_chunk_size, (s) => ({
      use: s.rag_use_subset,
      size: s.rag_subset_size,
    }));
    for (const { source, all, chosen, positionOf } of bySource) {
      const drawn = chosen.map((chunk) => ({
        chunk,
        retrieval: simulateRetrieval(
          chunk,
          all,
          { failureRate: rag.rag_failure_percentage, maxChunks: rag.rag_max_chunks },
          seededRandom(ctx.seed, 'rag-retrieval', source.name, chunk.id),
          (a, b) => a.digest === b.digest,
        ),
      }));
      const needs = (d: (typeof drawn)[number]) => [d.chunk, ...d.retrieval.chunks];
      for await (const [{ chunk, retrieval }, textOf] of withTexts(ctx, drawn, needs)) {
        yield {
          key: chunkItemKey(source.name, chunk),
          input: {
            sourceName: source.name,
            chunkIndex: positionOf(chunk),
            metadata: chunk.metadata,
            text: textOf(chunk),
            failed: retrieval.failed,
            retrieved: retrieval.chunks.map((c) => ({ metadata: c.metadata, text: textOf(c) })),
          },
        };
      }
    }
  },

  process(input, ctx) {
    return processRagChunk(ctx, input, { skipFilter: ctx.config.rag_data.rag_skip_filter_chunks });
  },

  async finish(ctx) {
    const { config } = ctx;
    const settings = config.final_datasaving_settings;
    const rendering: RagRendering = ragUsesTemplate(config)
      ? { kind: 'template', template: resolveTemplate(settings.template), kwargs: settings.template_kwargs }
      : {
          kind: 'formats',
          system: config.rag_data.system_format,
          user: config.rag_data.user_format,
          assistant: config.rag_data.assistant_format,
          bos: config.rag_data.bos,
        };
    // The shared instruction, then each RAG prompt, with the context placeholders filled; `{data}` stays for the chunks.
    const systemPrompts = config.rag_data.final_assistant_prompts.map((p) =>
      fillContext(`${config.system.shared_instruction}\n${p}`, config.dataset_context),
    );
    const done = await ctx.outputs();
    const bySource: RecordsBySource['bySource'] = [];
    for (const source of ctx.sources) {
      const random = seededRandom(ctx.seed, ctx.stageName, source.name);
      const items = random.shuffle(
        done
          .filter((d) => d.input.sourceName === source.name)
          .sort((a, b) => a.input.chunkIndex - b.input.chunkIndex)
          .map(({ input, output }) => ({ retrieved: stringifyChunks(input.retrieved), pairs: output.pairs })),
      );
      const records = groupItems(items, config.rag_data.num_items_per_group).flatMap((group) =>
        groupRecords(group, systemPrompts, rendering, random),
      );
      await ctx.writeArtifact(outputTree.ragData(source.name), toJsonl(records));
      bySource.push({ source: source.name, records });
    }
    return { bySource };
  },
};
