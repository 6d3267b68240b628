/**
 * Stage `assembly`: gathers the generated datasets into the folders Axolotl trains from. This version assembles
 * `pretraining_run/` (blueprint §3 B): per source the representation variations, the inferred facts and the source's
 * own whole documents (`text_chunks_<source>.jsonl`: each source's own, fixing ⚠ §3 B). `sft_run/` follows with the
 * SFT stages.
 */
import { cleanedDocuments } from '../documents.ts';
import type { StageDefinition } from '../stage.ts';

export const assemblyStage: StageDefinition<never, never> = {
  kind: 'assembly',
  async plan() {
    return [];
  },
  async process() {
    throw new Error('assembly has no items');
  },
  async finish(ctx) {
    for (const source of ctx.sources) {
      for (const stage of ['representation_variation', 'inferred_facts'] as const) {
        const data = await ctx.readArtifact(`${stage}_${source.name}/final_output.jsonl`);
        if (data !== undefined) await ctx.writeArtifact(`pretraining_run/${stage}_${source.name}.jsonl`, data);
      }
      const documents = await cleanedDocuments(ctx, source.name);
      const lines = documents.map((d) => JSON.stringify({ text: d.text, metadata: d.metadata }));
      await ctx.writeArtifact(
        `pretraining_run/text_chunks_${source.name}.jsonl`,
        lines.length ? `${lines.join('\n')}\n` : '',
      );
    }
  },
};
