/**
 * The continued-pretraining lines of one chunk, as the original lays out `final_output.jsonl` (blueprint §5.4): the
 * chunk, its atomic-facts list, the LLM variations, then the code variations in the order they were made (for each
 * function: of the chunk, then of each LLM variation). Per chunk: 2 + V + F·(1 + V) lines (V: the variations that
 * succeeded). The inferred facts are
 * never written: the variations carry them.
 */
import { z } from 'zod';
import { jsonLines } from './jsonl.ts';

/** What the representation-variation (or inferred-facts) processing of one chunk produced. */
export const ChunkVariationsSchema = z.object({
  atomicFacts: z.string(),
  /** Only from the inferred-facts pipeline; not written to the pretraining lines. */
  inferredFacts: z.string().optional(),
  variations: z.array(z.object({ format: z.string(), text: z.string() })),
  /** Variations that failed every attempt, with why: the chunk keeps its text, facts and the other variations. */
  failedVariations: z.array(z.object({ format: z.string(), reason: z.string() })).default([]),
  /** `of`: the chunk, or the index of the LLM variation the function was applied to. */
  codeVariations: z.array(
    z.object({ fn: z.string(), of: z.union([z.literal('chunk'), z.number()]), text: z.string() }),
  ),
});
export type ChunkVariations = z.infer<typeof ChunkVariationsSchema>;

export interface PretrainingChunk extends ChunkVariations {
  text: string;
  /** The source file name (a path is reduced to its base name in the header). */
  metadata: string;
}

export interface PretrainingLineOptions {
  /** The original's include_context_in_dataset (hard-coded true in the composition). */
  includeContext: boolean;
  datasetContext: string;
}

/** `[[[OVERALL_CONTEXT_IS -> ctx]]]`, then `Specific source: name`, each followed by a newline (§15). */
export function contextHeader(datasetContext: string, sourceFileName: string): string {
  return `[[[OVERALL_CONTEXT_IS -> ${datasetContext}]]]\nSpecific source: ${baseName(sourceFileName)}\n`;
}

/** The texts of the chunk's lines, in file order, each with the header when asked for. */
export function pretrainingTexts(chunk: PretrainingChunk, options: PretrainingLineOptions): string[] {
  const texts = [
    chunk.text,
    chunk.atomicFacts,
    ...chunk.variations.map((variation) => variation.text),
    ...chunk.codeVariations.map((variation) => variation.text),
  ];
  if (!options.includeContext) return texts;
  const header = contextHeader(options.datasetContext, chunk.metadata);
  return texts.map((text) => header + text);
}

/** The chunk's `final_output.jsonl` lines: one `{"text": …}` JSON object per line, without the newline. */
export function pretrainingLines(chunk: PretrainingChunk, options: PretrainingLineOptions): string[] {
  return pretrainingTexts(chunk, options).map((text) => JSON.stringify({ text }));
}

/**
 * A source's `final_output.jsonl` (and its copy in `pretraining_run/`): the lines of every processed chunk of the
 * source, in item order, with the context header on every line (the composition fixes include_context_in_dataset to
 * true). Given a chunk's lines at a time, so the file is written in pieces and never is one string (a big source's
 * file, with its variations, can outgrow the longest string the runtime allows); nothing when the source has none.
 */
export async function* pretrainingFile(
  chunks: ReadonlyArray<{ input: { sourceName: string; metadata: string; text: string }; output: ChunkVariations }>,
  sourceName: string,
  datasetContext: string,
): AsyncGenerator<string> {
  for (const { input, output } of chunks) {
    if (input.sourceName !== sourceName) continue;
    const lines = pretrainingLines(
      { ...output, text: input.text, metadata: input.metadata },
      { includeContext: true, datasetContext },
    );
    yield jsonLines(lines);
  }
}

function baseName(name: string): string {
  return name.split(/[\\/]/).at(-1) ?? name;
}
