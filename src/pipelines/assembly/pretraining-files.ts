/**
 * Stage `pretraining_files` (a finish stage: no items): `pretraining_run/` (blueprint §3 B), per source the
 * representation variations, the source's own cleaned documents (`text_chunks_<source>.jsonl`: each source's own,
 * fixing ⚠ §3 B) and the inferred facts. It runs as soon as those stages settle, while the SFT stages may still be at
 * work, so the run's end does not wait for it. Returns the files written, in the original's order, for the training
 * config, and those written empty.
 */
import { z } from 'zod';
import { inferredFactsStage } from '../inferred-facts/stage.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { representationVariationStage } from '../representation-variation/stage.ts';
import { pretrainingFile } from '../shared/pretraining-lines.ts';
import type { ArtifactContent, DocumentRef, FinishStageDefinition, PlanContext } from '../stage.ts';
import { documentRecord } from './sft-extras.ts';

export const LeftOutSchema = z.object({ file: z.string(), reason: z.string() });

export const PretrainingFilesSchema = z.object({
  /** File names inside `pretraining_run/`, per source: representation variations, text chunks, inferred facts. */
  pretrainingDatasets: z.array(z.string()),
  /** Files written empty (every chunk dropped), which a training config must not list, with why. */
  leftOut: z.array(LeftOutSchema),
});
export type PretrainingFiles = z.infer<typeof PretrainingFilesSchema>;

export const pretrainingFilesStage: FinishStageDefinition<PretrainingFiles> = {
  kind: 'pretraining_files',
  needs: [pdfCleaningStage, representationVariationStage, inferredFactsStage],
  configPath: 'final_datasaving_settings',
  result: PretrainingFilesSchema,
  async finish(ctx) {
    const run = outputTree.pretrainingRun;
    const { dataset_context: datasetContext } = ctx.config;
    const variations = await ctx.outputsOf(representationVariationStage);
    const inferred = await ctx.outputsOf(inferredFactsStage);
    const cleaned = await ctx.resultOf(pdfCleaningStage);
    const out: PretrainingFiles = { pretrainingDatasets: [], leftOut: [] };
    for (const source of ctx.sources) {
      const documents = cleaned.filter((d) => d.sourceName === source.name);
      // Each file is written in pieces as it is made; the source's documents are read one at a time.
      const files: Array<[string, ArtifactContent]> = [
        [run.representationVariation(source.name), pretrainingFile(variations, source.name, datasetContext)],
        [run.textChunks(source.name), documentLines(ctx, documents)],
        [run.inferredFacts(source.name), pretrainingFile(inferred, source.name, datasetContext)],
      ];
      for (const [file, content] of files) {
        const { bytes } = await ctx.writeArtifact(run.path(file), content);
        // An empty dataset makes Axolotl fail its run; it stays in the tree, but no config lists it.
        if (bytes === 0) out.leftOut.push({ file, reason: 'empty: no record was produced for this source' });
        else out.pretrainingDatasets.push(file);
      }
    }
    return out;
  },
};

/** The documents as JSON Lines of the original's `{text, metadata}` records, a line per document as it is read. */
async function* documentLines(ctx: Pick<PlanContext, 'readText'>, documents: readonly DocumentRef[]) {
  for (const doc of documents) {
    yield `${JSON.stringify(documentRecord({ text: await ctx.readText(doc.text), metadata: doc.metadata }))}\n`;
  }
}
