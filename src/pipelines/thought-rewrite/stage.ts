/**
 * Stage `thought_rewrite/<i>` (blueprint §3 D.2, §5.8), when `generic_thought_process_on_domain_data`: every domain
 * answer of generation i gets a new thought process, written by the large model from the conversation's system
 * prompt, its history (truncated to 30k tokens), the question and the visible answer. One item per pair; a pair
 * whose call fails keeps its original answer and is counted on the status — never silently missing (⚠ §5.8).
 * Writes `transformed_generic_data_<i>/final_total_output.jsonl` and returns the conversations for the SFT assembly.
 *
 * Unlike the original, which combined conversations first and rewrote the combined ones, each pair is rewritten in
 * the conversation it was generated in, so its history is its own chunk's earlier turns.
 */
import { z } from 'zod';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { sha256Hex } from '../../lib/hash.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { outputTree } from '../output-tree.ts';
import { toJsonl } from '../shared/jsonl.ts';
import { ShareGptConversationSchema } from '../shared/sharegpt.ts';
import type { ItemStageDefinition, PlanContext, PlannedItem } from '../stage.ts';
import { outcome } from '../step.ts';
import { pairsOf, reassemble, renderHistory, thoughtParser } from './rewrite.ts';

const RewriteInputSchema = z.object({
  way: z.string(),
  conversation: z.number().int(),
  pair: z.number().int(),
  system: z.string(),
  history: z.string(),
  input: z.string(),
  output: z.string(),
});
export type RewriteInput = z.infer<typeof RewriteInputSchema>;
const RewriteOutputSchema = z.object({ thought: z.string() });

const RewriteResultSchema = z.object({ conversations: z.array(ShareGptConversationSchema) });
export type RewriteResult = z.infer<typeof RewriteResultSchema>;

export const thoughtSampling = { maxTokens: 5000, temperature: 0.7 };

/** The rewrite items of one factual way's conversations (`instance`: that factual stage's params). */
async function* planWay(
  ctx: PlanContext,
  instance: Record<string, unknown>,
): AsyncGenerator<PlannedItem<RewriteInput>> {
  const way = String(instance.style);
  const marker = ctx.config.system.final_answer_str;
  const count = (text: string) => defaultTokenizer().count(text);
  const { conversations } = await ctx.resultOf(factualSftStage, instance);
  for (const [c, conversation] of conversations.entries()) {
    for (const [p, pair] of pairsOf(conversation, marker).entries()) {
      yield {
        key: sha256Hex(`${way}\u0000${c}\u0000${p}\u0000${pair.input}\u0000${pair.output}`).slice(0, 32),
        input: {
          way,
          conversation: c,
          pair: p,
          system: pair.system,
          history: renderHistory(pair.history, count),
          input: pair.input,
          output: pair.output,
        },
      };
    }
  }
}

const instanceName = (params: Record<string, unknown>) => `thought_rewrite/${String(params.index)}`;

export const thoughtRewriteStage: ItemStageDefinition<RewriteInput, { thought: string }, RewriteResult> = {
  kind: 'thought_rewrite',
  needs: [factualSftStage],
  configPath: 'system.generic_thought_process_on_domain_data',
  llmSection: 'transform_generic_data',
  input: RewriteInputSchema,
  output: RewriteOutputSchema,
  result: RewriteResultSchema,
  instances: (config) =>
    Object.keys(config.factual_sft).length === 0
      ? []
      : Array.from({ length: config.system.number_of_factual_sft_generations_to_do }, (_, index) => ({
          name: instanceName({ index }),
          params: { index },
        })),
  instanceName,
  disabledBy: (config) =>
    config.system.generic_thought_process_on_domain_data
      ? undefined
      : 'disabled by system.generic_thought_process_on_domain_data',

  async *plan(ctx) {
    const index = Number(ctx.params.index);
    for (const style of Object.keys(ctx.config.factual_sft)) yield* planWay(ctx, { style, index });
  },

  // A way's conversations exist once its factual stage finishes: their rewrites start then, not after every way.
  planFrom: { stage: factualSftStage, plan: planWay },

  async process(input, ctx) {
    const result = await ctx.llm.call({
      prompt: 'thought-rewrite/thought-process',
      model: 'large',
      vars: { system_prompt: input.system, history: input.history, input: input.input, output: input.output },
      sampling: thoughtSampling,
      parse: thoughtParser((text) => defaultTokenizer().count(text)),
    });
    return result.ok ? outcome.done({ thought: result.value }) : outcome.dropped(result.reason);
  },

  async finish(ctx) {
    const index = Number(ctx.params.index);
    const frame = {
      marker: ctx.config.system.final_answer_str,
      preface: ctx.config.transform_generic_data.transform_generic_cot_preface,
      suffix: ctx.config.transform_generic_data.transform_generic_cot_suffix,
    };
    // New thought processes by conversation (way and position), then by pair.
    const thoughts = new Map<string, Map<number, string>>();
    for (const { input, output } of await ctx.outputs()) {
      const key = `${input.way}\u0000${input.conversation}`;
      const ofConversation = thoughts.get(key) ?? new Map<number, string>();
      ofConversation.set(input.pair, output.thought);
      thoughts.set(key, ofConversation);
    }
    const conversations: RewriteResult['conversations'] = [];
    for (const way of Object.keys(ctx.config.factual_sft)) {
      const { conversations: ofWay } = await ctx.resultOf(factualSftStage, { style: way, index });
      for (const [c, conversation] of ofWay.entries()) {
        conversations.push(reassemble(conversation, thoughts.get(`${way}\u0000${c}`) ?? new Map(), frame));
      }
    }
    await ctx.writeArtifact(outputTree.transformedGenericData(index), toJsonl(conversations));
    return { conversations };
  },
};
