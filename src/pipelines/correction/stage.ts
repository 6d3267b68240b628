/**
 * Stage `correction` (blueprint §3 C.3, §5.10): self-correction training data. Per source, the cleaned documents are
 * chunked at `correction_chunk_size` and subset (`correction_use_subset`, `correction_subset_size`); each chunk is
 * judged (the factual judge, which sees the file name) and turned into one exchange — a question, a flawed answer,
 * the user's pushback, the correction — rendered and split so the flawed answer is masked. Finishes by writing
 * `corrections_<source>/axolotl_correction_conversations.json`, a JSON array of `{"segments": [...]}`.
 */
import { z } from 'zod';
import { correctionUsesTemplate } from '../../config/composition/sft-rendering.ts';
import { judgeChunk } from '../factual-sft/steps.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { type RecordsBySource, RecordsBySourceSchema } from '../rag-data/stage.ts';
import { resolveTemplate } from '../shared/chat-template.ts';
import { withTexts } from '../shared/chunk-texts.ts';
import { chunkItemKey, chunksBySource } from '../shared/source-chunks.ts';
import type { ItemStageDefinition } from '../stage.ts';
import { outcome } from '../step.ts';
import { correctionSegments, parseCorrection } from './conversation.ts';

const CorrectionInputSchema = z.object({
  sourceName: z.string(),
  chunkIndex: z.number().int(),
  metadata: z.string(),
  text: z.string(),
});
export type CorrectionInput = z.infer<typeof CorrectionInputSchema>;
const SegmentsSchema = z.object({ segments: z.array(z.object({ label: z.boolean(), text: z.string() })) });

export const correctionSampling = { maxTokens: 7000, temperature: 0.7 };

export const correctionStage: ItemStageDefinition<CorrectionInput, z.infer<typeof SegmentsSchema>, RecordsBySource> = {
  kind: 'correction',
  needs: [pdfCleaningStage],
  configPath: 'correction_pipeline',
  llmSection: 'correction_pipeline',
  input: CorrectionInputSchema,
  output: SegmentsSchema,
  result: RecordsBySourceSchema,

  async *plan(ctx) {
    const bySource = await chunksBySource(ctx, ctx.config.correction_pipeline.correction_chunk_size, (s) => ({
      use: s.correction_use_subset,
      size: s.correction_subset_size,
    }));
    for (const { source, chosen, positionOf } of bySource) {
      for await (const [chunk, textOf] of withTexts(ctx, chosen, (c) => [c])) {
        yield {
          key: chunkItemKey(source.name, chunk),
          input: {
            sourceName: source.name,
            chunkIndex: positionOf(chunk),
            metadata: chunk.metadata,
            text: textOf(chunk),
          },
        };
      }
    }
  },

  async process(input, ctx) {
    const suitable = await judgeChunk(ctx, input);
    if (!suitable.ok) return outcome.dropped(suitable.reason);
    if (!suitable.value) return outcome.dropped('judged unsuitable');
    const exchange = await ctx.llm.call({
      prompt: 'correction/masked-conversation',
      model: 'large',
      vars: { metadata: input.metadata, text: input.text },
      sampling: correctionSampling,
      parse: parseCorrection,
    });
    if (!exchange.ok) return outcome.dropped(exchange.reason);
    const settings = ctx.config.final_datasaving_settings;
    const template = correctionUsesTemplate(ctx.config)
      ? resolveTemplate(settings.template)
      : ctx.config.correction_pipeline.correction_prompt_template;
    const rendered = correctionSegments(exchange.value, template, { bos_token: '', ...settings.template_kwargs });
    return rendered.ok ? outcome.done({ segments: rendered.segments }) : outcome.dropped(rendered.reason);
  },

  async finish(ctx) {
    const done = await ctx.outputs();
    const bySource: RecordsBySource['bySource'] = [];
    for (const source of ctx.sources) {
      const records = done
        .filter((d) => d.input.sourceName === source.name)
        .sort((a, b) => a.input.chunkIndex - b.input.chunkIndex)
        .map((d) => d.output);
      await ctx.writeArtifact(outputTree.corrections(source.name), `${JSON.stringify(records, null, 2)}\n`);
      bySource.push({ source: source.name, records });
    }
    return { bySource };
  },
};
