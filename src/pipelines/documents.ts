/**
 * The documents of a source as the generation pipelines read them: every extracted document, with each PDF replaced
 * by its text from the pdf_cleaning stage (LLM-cleaned, or joined lines when LLM cleaning is off or failed).
 */
import { cleanedPieces, type PdfCleaningOutput } from './pdf-cleaning/stage.ts';
import { reassemble } from './pdf-cleaning/steps.ts';
import type { ChunkableDocument, PlanContext } from './stage.ts';

export async function cleanedDocuments(ctx: PlanContext, sourceName: string): Promise<ChunkableDocument[]> {
  const documents = await ctx.documents(sourceName);
  const byDocument = new Map<string, PdfCleaningOutput[]>();
  for (const output of await cleanedPieces(ctx)) {
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
    // A PDF with no text at all (a scan without OCR) has no pieces.
    if (pieces && pieces.length > 0) out.push({ sourceName, metadata: doc.metadata, text: reassemble(pieces) });
  }
  return out;
}
