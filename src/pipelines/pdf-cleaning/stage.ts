/**
 * Stage `pdf_cleaning` (blueprint §5.1): every PDF document is line-joined (sentences broken across lines are
 * rejoined, real paragraph breaks kept), chunked at `pdf_cleaning_chunk_size` — the configured size is honoured and
 * every chunk is kept, unlike the original (⚠ §5.1) — and, when `do_not_use_llm_for_pdf_processing` is false,
 * cleaned chunk by chunk by the small model. Finishes by writing `pdf_cleaning_<source>/<file>.txt`. A chunk the model
 * could not clean (dropped after its retries, or failed) is counted in the run's status with its reason and keeps its
 * line-joined text in the document, so a bad answer never cuts a piece out of the training text.
 */
import { joinPdfLines } from '../../ingest/pdf-lines.ts';
import type { PlanContext, StageDefinition } from '../stage.ts';
import { outcome } from '../step.ts';
import { cleanPdfChunk, reassemble } from './steps.ts';

export interface PdfCleaningInput {
  sourceName: string;
  /** The file the PDF came from; groups pieces back into documents. */
  documentKey: string;
  metadata: string;
  index: number;
  text: string;
  useLlm: boolean;
}

export type PdfCleaningOutput = Omit<PdfCleaningInput, 'useLlm'>;

/**
 * Every piece of every PDF of the run: cleaned where the model answered, the line-joined text where it could not
 * (those are counted in the stage's status). Downstream stages and this stage's own output read the same pieces.
 */
export async function cleanedPieces(ctx: PlanContext): Promise<PdfCleaningOutput[]> {
  const cleaned = (await ctx.stageOutputs<PdfCleaningOutput>('pdf_cleaning')).map((o) => o.output);
  const uncleaned = (await ctx.stageUnfinished<PdfCleaningInput>('pdf_cleaning')).map(({ input }) => {
    const { useLlm: _, ...piece } = input;
    return piece;
  });
  return [...cleaned, ...uncleaned];
}

export const pdfCleaningStage: StageDefinition<PdfCleaningInput, PdfCleaningOutput> = {
  kind: 'pdf_cleaning',
  llmSection: 'pdf_cleaning',
  async plan(ctx) {
    const useLlm = !ctx.config.do_not_use_llm_for_pdf_processing;
    const size = ctx.config.pdf_cleaning.pdf_cleaning_chunk_size;
    const items: Array<{ key: string; input: PdfCleaningInput }> = [];
    for (const source of ctx.sources) {
      const pdfs = (await ctx.documents(source.name)).filter((d) => d.format === 'pdf');
      for (const pdf of pdfs) {
        const chunks = await ctx.chunkDocuments(
          [{ sourceName: source.name, metadata: pdf.metadata, text: joinPdfLines(pdf.text) }],
          size,
        );
        for (const chunk of chunks) {
          items.push({
            key: `${pdf.fileId}:${chunk.index}`,
            input: {
              sourceName: source.name,
              documentKey: pdf.fileId,
              metadata: pdf.metadata,
              index: chunk.index,
              text: chunk.text,
              useLlm,
            },
          });
        }
      }
    }
    return items;
  },
  async process(input, ctx) {
    const { useLlm, ...piece } = input;
    if (!useLlm) return outcome.done(piece);
    const cleaned = await cleanPdfChunk(ctx, input.text);
    return cleaned.state === 'done' ? outcome.done({ ...piece, text: cleaned.output }) : cleaned;
  },
  async finish(ctx) {
    const byFile = new Map<string, { sourceName: string; metadata: string; pieces: PdfCleaningOutput[] }>();
    for (const output of await cleanedPieces(ctx)) {
      const entry = byFile.get(output.documentKey) ?? {
        sourceName: output.sourceName,
        metadata: output.metadata,
        pieces: [],
      };
      entry.pieces.push(output);
      byFile.set(output.documentKey, entry);
    }
    for (const { sourceName, metadata, pieces } of byFile.values()) {
      const base =
        metadata
          .replace(/\.pdf$/i, '')
          .split('/')
          .pop() ?? metadata;
      await ctx.writeArtifact(`pdf_cleaning_${sourceName}/${base}.txt`, reassemble(pieces));
    }
  },
};
