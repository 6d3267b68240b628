/**
 * Stage `ingest`: text extraction of every file of the run's sources. One item per file; a file that cannot be read
 * is a dropped item with the extractor's reason (and the file shows status `failed` with that error), never a crash.
 * Finishes by writing each extracted text under `extracted_text/<source>/` and a per-file report.
 */
import { z } from 'zod';
import { filesOfSources } from '../../db/queries/files.ts';
import { ingestStage } from '../../pipelines/ingest-stage.ts';
import { outputTree } from '../../pipelines/output-tree.ts';
import type { ItemStageDefinition } from '../../pipelines/stage.ts';
import { outcome } from '../../pipelines/step.ts';
import { documentTexts } from '../document-texts.ts';
import { extractFile } from '../extraction.ts';
import type { StageDeps } from '../stage-deps.ts';

export const IngestInputSchema = z.object({
  fileId: z.string(),
  sourceName: z.string(),
  fileName: z.string(),
  format: z.string(),
});
export const IngestOutputSchema = IngestInputSchema.extend({
  textBlobKey: z.string(),
  chars: z.number().int(),
  documents: z.number().int(),
});
export type IngestInput = z.infer<typeof IngestInputSchema>;
export type IngestOutput = z.infer<typeof IngestOutputSchema>;

export function createIngestStage(deps: StageDeps): ItemStageDefinition<IngestInput, IngestOutput> {
  return {
    ...ingestStage,
    input: IngestInputSchema,
    output: IngestOutputSchema,
    async *plan(ctx) {
      const byId = new Map(ctx.sources.map((s) => [s.id, s.name]));
      for (const f of await filesOfSources(deps.db, [...byId.keys()])) {
        yield {
          key: f.id,
          input: { fileId: f.id, sourceName: byId.get(f.sourceId) ?? '', fileName: f.name, format: f.format },
        };
      }
    },
    async process(input) {
      const result = await extractFile(deps, input.fileId);
      if (!result.ok) return outcome.dropped(`extraction failed: ${result.error}`);
      return outcome.done({
        ...input,
        textBlobKey: result.textBlobKey,
        chars: result.chars,
        documents: result.documents,
      });
    },
    async finish(ctx) {
      const outputs = await ctx.outputs();
      const report: Array<Record<string, unknown>> = [];
      for (const { output } of outputs) {
        const siblings = outputs.filter((o) => o.output.sourceName === output.sourceName).map((o) => o.output.fileName);
        // The file's documents, blank-line separated, written as they are read (never the whole file in memory).
        const texts = documentTexts(deps.blobs, output.textBlobKey);
        const text = async function* () {
          let first = true;
          for await (const documentText of texts) {
            if (!first) yield '\n\n';
            first = false;
            yield documentText;
          }
        };
        await ctx.writeArtifact(outputTree.extractedText(output.sourceName, output.fileName, siblings), text());
        report.push({
          file: output.fileName,
          source: output.sourceName,
          format: output.format,
          chars: output.chars,
          documents: output.documents,
        });
      }
      await ctx.writeArtifact(outputTree.ingestReport, `${JSON.stringify(report, null, 2)}\n`);
    },
  };
}
