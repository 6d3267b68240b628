/**
 * Documents by reference (`DocumentRef`), as stage results carry them: the schema a result validates them with, and
 * the one place a document is made from a text in hand.
 */
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash.ts';
import type { DocumentRef, TextRef } from '../stage.ts';

const TextRefSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('record'),
    key: z.string(),
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal('blob'), key: z.string() }),
  z.object({ kind: z.literal('inline'), text: z.string() }),
]);

const DocumentRefShape = z.object({
  sourceName: z.string(),
  metadata: z.string(),
  sha256: z.string(),
  chars: z.number().int().nonnegative(),
  text: TextRefSchema,
});

/**
 * A document in a stage result. Results written before documents were references held the text itself; those are
 * read as documents with their text inline, so a run started on the earlier code carries on.
 */
export const DocumentRefSchema: z.ZodType<DocumentRef, unknown> = z.union([
  DocumentRefShape,
  z
    .object({ sourceName: z.string(), metadata: z.string(), text: z.string() })
    .transform((d) => documentOfText(d.sourceName, d.metadata, d.text)),
]);

/** A document whose text is in hand, kept where `text` says (or inline when it is not said). */
export function documentOfText(
  sourceName: string,
  metadata: string,
  text: string,
  where: TextRef = { kind: 'inline', text },
): DocumentRef {
  return { sourceName, metadata, sha256: sha256Hex(text), chars: text.length, text: where };
}
