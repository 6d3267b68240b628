/**
 * The documents of a source as the generation pipelines read them: every extracted document, with each PDF replaced
 * by its text from the pdf_cleaning stage (LLM-cleaned, or joined lines when LLM cleaning is off).
 */
import type { PdfCleaningOutput } from './pdf-cleaning/stage.ts';
import { reassemble } from './pdf-cleaning/steps.ts';
import type { ChunkableDocument, PlanContext } from './stage.ts';

export async function cleanedDocuments(ctx: PlanContext, sourceName: string): Promise<ChunkableDocument[]> {
  const documents = await ctx.documents(sourceName);
  const cleaned = await ctx.stageOutputs<PdfCleaningOutput>('pdf_cleaning');
  const byDocument = new Map<string, PdfCleaningOutput[]>();
  for (const { output } of cleaned) {
    if (output.sourceName !== sourceName) continue;
    byDocument.set(output.documentKey, [...(byDocument.get(output.documentKey) ?? []), output]);
  }
  const out: ChunkableDocument[] = [];
  for (const doc of documents) {
    if (doc.format !== 'pdf') {
      out.push({ sourceName, metadata: doc.metadata, text: doc.text });
      continue;
    }
    const pieces = byDocument.get(doc.fileId);
    // A PDF whose every chunk was dropped by cleaning contributes nothing (its drops are counted in pdf_cleaning).
    if (pieces && pieces.length > 0) out.push({ sourceName, metadata: doc.metadata, text: reassemble(pieces) });
  }
  return out;
}
