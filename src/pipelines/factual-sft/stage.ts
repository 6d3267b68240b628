/**
 * Stage `factual_sft/<way>/<i>` (blueprint §3 C.1, §5.5–5.7): question/answer conversations that teach a model to
 * recall its documents, one instance per way of `factual_sft` and generation i. Per source, the cleaned documents are
 * chunked at `factual_chunk_size`; every chunk of the source (before the subset) is a candidate related chunk, and each
 * chunk the way processes (the source's subset, `factual_gen_subset_size_per_way`, when `factual_gen_use_subset`) is
 * shown with its top three related chunks — except to the follow-up way (`single_turn: false`) and to single-source
 * ways (`multi_source: false`), which see their chunk alone. Items: judge → generate (→ validate, single-source).
 * Finishes by writing `factual_sft_<source>_<way>_<i>/factual_questions.json` and `plain_qa_list.jsonl`, and returns
 * the conversations for the SFT assembly.
 */
import { z } from 'zod';
import { seededRandom } from '../../lib/seeded-random.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { withTexts } from '../shared/chunk-texts.ts';
import { toJsonl } from '../shared/jsonl.ts';
import { ShareGptConversationSchema } from '../shared/sharegpt.ts';
import { chunkItemKey, chunksBySource } from '../shared/source-chunks.ts';
import type { ChunkView, ItemStageDefinition } from '../stage.ts';
import { conversationsOf, factualQuestions, type GeneratedChunk } from './saving.ts';
import { processFactualChunk } from './steps.ts';

const SourceTextSchema = z.object({ metadata: z.string(), text: z.string() });

const FactualInputSchema = z.object({
  sourceName: z.string(),
  /** Position of the chunk in the source's chunk list: orders the saved records. */
  chunkIndex: z.number().int(),
  metadata: z.string(),
  text: z.string(),
  related: z.array(SourceTextSchema),
});
export type FactualInput = z.infer<typeof FactualInputSchema>;

const FactualOutputSchema = z.object({
  pairs: z.array(z.object({ question: z.string(), answer: z.string() })),
  rejected: z.array(z.object({ question: z.string(), reason: z.string() })),
});
export type FactualOutput = z.infer<typeof FactualOutputSchema>;

/** What later stages read: the instance's conversations, every source's, in source order. */
const FactualResultSchema = z.object({ conversations: z.array(ShareGptConversationSchema) });
export type FactualResult = z.infer<typeof FactualResultSchema>;

/** Votes per single-source check: the original's `double_check_counter`, which the composition does not expose. */
const DOUBLE_CHECK_COUNTER = 1;
/** Related chunks shown with each chunk (the original's top_k, after dropping the chunk itself). */
const RELATED_CHUNKS = 3;

const instanceName = (params: Record<string, unknown>) => `factual_sft/${String(params.style)}/${String(params.index)}`;

/** The bundled prompt set a way's `prompts` names: `prompt_overrides/negative` → `negative`. */
export function promptStyle(prompts: string): string {
  return prompts.split(/[\\/]/).filter(Boolean).at(-1) ?? prompts;
}

export const factualSftStage: ItemStageDefinition<FactualInput, FactualOutput, FactualResult> = {
  kind: 'factual_sft',
  needs: [pdfCleaningStage],
  configPath: 'factual_sft',
  llmSection: 'factual_sft_settings',
  input: FactualInputSchema,
  output: FactualOutputSchema,
  result: FactualResultSchema,
  instances: (config) =>
    Array.from({ length: config.system.number_of_factual_sft_generations_to_do }, (_, index) =>
      Object.keys(config.factual_sft).map((style) => {
        const params = { style, index };
        return { name: instanceName(params), params };
      }),
    ).flat(),
  instanceName,

  async *plan(ctx) {
    const way = ctx.config.factual_sft[String(ctx.params.style)];
    if (!way) throw new Error(`no way ${String(ctx.params.style)} in factual_sft`);
    const showRelated = way.multi_source && way.single_turn;
    const bySource = await chunksBySource(ctx, ctx.config.factual_sft_settings.factual_chunk_size, (s) => ({
      use: s.factual_gen_use_subset,
      size: s.factual_gen_subset_size_per_way,
    }));
    for (const { source, all: chunks, chosen, positionOf } of bySource) {
      // Related chunks come from every chunk of the source, before the subset (§5.5 step 1).
      const related = showRelated ? await ctx.relatedChunks(chunks, RELATED_CHUNKS) : new Map<string, ChunkView[]>();
      const relatedOf = (chunk: ChunkView) => related.get(chunk.id) ?? [];
      for await (const [chunk, textOf] of withTexts(ctx, chosen, (c) => [c, ...relatedOf(c)])) {
        yield {
          key: chunkItemKey(source.name, chunk),
          input: {
            sourceName: source.name,
            chunkIndex: positionOf(chunk),
            metadata: chunk.metadata,
            text: textOf(chunk),
            related: relatedOf(chunk).map((r) => ({ metadata: r.metadata, text: textOf(r) })),
          },
        };
      }
    }
  },

  process(input, ctx) {
    const way = ctx.config.factual_sft[String(ctx.params.style)];
    if (!way) throw new Error(`no way ${String(ctx.params.style)} in factual_sft`);
    const style = promptStyle(way.prompts);
    return processFactualChunk(ctx, input, {
      style,
      iteration: Number(ctx.params.index),
      ...(way.multi_source
        ? {}
        : {
            validation: {
              skipQuestionCheck: way.skip_question_check,
              skipAnswerRelevancyCheck: way.skip_answer_relevancy_check,
              skipAnswerAccuracyCheck: way.skip_answer_accuracy_check,
              skipRepair: way.skip_repair_qa_tuples,
              votes: DOUBLE_CHECK_COUNTER,
              style,
            },
          }),
    });
  },

  async finish(ctx) {
    const style = String(ctx.params.style);
    const iteration = Number(ctx.params.index);
    const settings = ctx.config.factual_sft_settings;
    const done = await ctx.outputs();
    const conversations: FactualResult['conversations'] = [];
    for (const source of ctx.sources) {
      const chunks: GeneratedChunk[] = done
        .filter((d) => d.input.sourceName === source.name)
        .map(({ input, output }) => ({
          chunkIndex: input.chunkIndex,
          sourceName: input.sourceName,
          metadata: input.metadata,
          text: input.text,
          related: input.related,
          judgedWorthy: true,
          pairs: output.pairs,
        }));
      const ofSource = conversationsOf(chunks, {
        systemPrompts: settings.final_assistant_prompts_no_rag,
        datasetContext: ctx.config.dataset_context,
        additionalContext: new Map(ctx.sources.map((s) => [s.name, s.settings.final_system_prompt_additional_context])),
        itemsPerConversation: settings.items_per_conversation,
        citeSources: ctx.config.system.cite_sources_at_end,
        random: (...parts) => seededRandom(ctx.seed, ctx.stageName, source.name, ...parts),
      });
      const files = outputTree.factualSft(source.name, style, iteration);
      await ctx.writeArtifact(files.questions, `${JSON.stringify(factualQuestions(chunks), null, 2)}\n`);
      await ctx.writeArtifact(files.conversations, toJsonl(ofSource));
      conversations.push(...ofSource);
    }
    return { conversations };
  },
};
