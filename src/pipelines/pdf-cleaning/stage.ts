/**
 * Stage `pdf_cleaning` (blueprint §5.1): every PDF document is line-joined (sentences broken across lines are
 * rejoined, real paragraph breaks kept), chunked at `pdf_cleaning_chunk_size` — the configured size is honoured and
 * every chunk is kept, unlike the original (⚠ §5.1) — and, when `do_not_use_llm_for_pdf_processing` is false,
 * cleaned chunk by chunk by the small model. Finishes by writing `pdf_cleaning_<source>/<file>.txt` and by returning
 * the run's cleaned documents — every extracted document, each PDF replaced by its cleaned text, all by reference (a
 * text is read when a stage needs it) — which every later pipeline reads (`ctx.resultOf(pdfCleaningStage)`). A chunk
 * the model could not clean (dropped after its retries, or failed) is counted in the run's status with its reason
 * and keeps its line-joined text in the document, so a bad answer never cuts a piece out of the training text.
 */
import { z } from 'zod';
import { joinPdfLines } from '../../ingest/pdf-lines.ts';
import { groupBy } from '../../lib/group-by.ts';
import { ingestStage } from '../ingest-stage.ts';
import { outputTree } from '../output-tree.ts';
import { withTexts } from '../shared/chunk-texts.ts';
import { DocumentRefSchema, documentOfText } from '../shared/documents.ts';
import type { DocumentRef, ItemStageDefinition } from '../stage.ts';
import { outcome } from '../step.ts';
import { cleanPdfChunk, reassemble } from './steps.ts';

const PieceSchema = z.object({
  sourceName: z.string(),
  /** The file the PDF came from; groups pieces back into documents. */
  documentKey: z.string(),
  metadata: z.string(),
  index: z.number().int(),
  text: z.string(),
});
const PdfCleaningInputSchema = PieceSchema.extend({ useLlm: z.boolean() });
export type PdfCleaningInput = z.infer<typeof PdfCleaningInputSchema>;
export type PdfCleaningOutput = z.infer<typeof PieceSchema>;

/**
 * The run's documents as every pipeline after PDF cleaning reads them, in the order ingest extracted them: by
 * reference (a document's text is read when a stage needs it), so the result of a gigabyte corpus stays small.
 */
const CleanedDocumentsSchema = z.array(DocumentRefSchema);
export type CleanedDocuments = DocumentRef[];

export const pdfCleaningStage: ItemStageDefinition<PdfCleaningInput, PdfCleaningOutput, CleanedDocuments> = {
  kind: 'pdf_cleaning',
  needs: [ingestStage],
  configPath: 'pdf_cleaning',
  llmSection: 'pdf_cleaning',
  input: PdfCleaningInputSchema,
  output: PieceSchema,
  result: CleanedDocumentsSchema,
  async *plan(ctx) {
    const useLlm = !ctx.config.do_not_use_llm_for_pdf_processing;
    const size = ctx.config.pdf_cleaning.pdf_cleaning_chunk_size;
    for (const source of ctx.sources) {
      const pdfs = (await ctx.documents(source.name)).filter((d) => d.format === 'pdf');
      for (const pdf of pdfs) {
        const joined = documentOfText(source.name, pdf.metadata, joinPdfLines(await ctx.readText(pdf.text)));
        const chunks = await ctx.chunkDocuments([joined], size);
        for await (const [chunk, textOf] of withTexts(ctx, chunks, (c) => [c])) {
          yield {
            key: `${pdf.fileId}:${chunk.index}`,
            input: {
              sourceName: source.name,
              documentKey: pdf.fileId,
              metadata: pdf.metadata,
              index: chunk.index,
              text: textOf(chunk),
              useLlm,
            },
          };
        }
      }
    }
  },
  async process(input, ctx) {
    const { useLlm, ...piece } = input;
    if (!useLlm) return outcome.done(piece);
    const cleaned = await cleanPdfChunk(ctx, input.text);
    return cleaned.state === 'done' ? outcome.done({ ...piece, text: cleaned.output }) : cleaned;
  },
  async finish(ctx) {
    // Every piece: cleaned where the model answered, the line-joined text where it could not.
    const uncleaned = (await ctx.unfinished()).map(({ input: { useLlm: _, ...piece } }) => piece);
    const pieces = [...(await ctx.outputs()).map((o) => o.output), ...uncleaned];
    const byFile = groupBy(pieces, (piece) => piece.documentKey);

    const cleaned: CleanedDocuments = [];
    for (const { fileId, format, ...doc } of await ctx.documents()) {
      if (format !== 'pdf') {
        cleaned.push(doc);
        continue;
      }
      // A PDF with no text at all (a scan without OCR) has no pieces.
      const ofFile = byFile.get(fileId);
      if (!ofFile || ofFile.length === 0) continue;
      const text = reassemble(ofFile);
      cleaned.push(documentOfText(doc.sourceName, doc.metadata, text, await ctx.keepText(text)));
      await ctx.writeArtifact(outputTree.cleanedPdf(doc.sourceName, doc.metadata), text);
    }
    return cleaned;
  },
};
