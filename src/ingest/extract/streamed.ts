/**
 * Extraction of the formats read front to back (plain text, Markdown, JSON Lines) from byte chunks: documents come
 * out a piece of text at a time, so neither the file nor its text is ever whole in memory. The pieces of a document
 * joined are exactly what extracting the whole file at once gives (extractText uses this same code on one buffer).
 */
import type { ExtractionStats } from '../../lib/extraction-stats.ts';
import { hasUtf16Bom } from '../encoding.ts';
import { JsonlReader, RecordCollector } from './jsonl.ts';
import { concatBytes, TextStreamDecoder } from './text.ts';

export const streamedFormats = ['txt', 'md', 'jsonl'] as const;
export type StreamedFormat = (typeof streamedFormats)[number];

export function isStreamedFormat(format: string): format is StreamedFormat {
  return (streamedFormats as readonly string[]).includes(format);
}

/** Some of a document's text; `first` marks the first piece of each document. */
export interface TextPiece {
  text: string;
  first: boolean;
}

/**
 * What the file was, known once its last piece is out (its documents are the pieces marked `first`; their lengths are
 * the pieces' lengths).
 */
export interface StreamedSummary {
  stats: ExtractionStats;
}

/** The file cannot be extracted; the message is for the user (a per-file error, never a crash). */
export class ExtractionRefused extends Error {}

export const overLimitMessage = (maxChars: number): string =>
  `extracted text exceeds the limit of ${maxChars} characters`;

export const NO_TEXT_MESSAGE = 'the file contains no text';

export const EMPTY_FILE_MESSAGE = 'file is empty';

/** Why a records file gave no document, naming the first bad line. */
export function noRecordMessage(collector: RecordCollector): string {
  const bad = collector.badLines[0];
  const detail = bad ? ` (${collector.badLineCount} bad; first at ${bad.line}: ${bad.reason})` : '';
  return `no record with a non-empty string "text" field${detail}`;
}

/**
 * The rules every document's text follows, applied piece by piece: PostgreSQL text cannot hold U+0000 and no
 * document means it, so NULs become U+FFFD (counted with the other replaced characters); the characters of all
 * documents together stay within the limit (more is refused, never silently cut); a file with no text is refused.
 */
export class DocumentRules {
  chars = 0;
  nul = 0;
  private anyText = false;

  constructor(private readonly maxChars: number) {}

  piece(raw: string): string {
    let text = raw;
    if (text.includes('\u0000')) {
      text = text.replace(/\u0000/g, () => {
        this.nul++;
        return '\uFFFD';
      });
    }
    this.chars += text.length;
    if (this.chars > this.maxChars) throw new ExtractionRefused(overLimitMessage(this.maxChars));
    if (!this.anyText && /\S/.test(text)) this.anyText = true;
    return text;
  }

  end(): void {
    if (!this.anyText) throw new ExtractionRefused(NO_TEXT_MESSAGE);
  }
}

/** A whole file's text, one document: its pieces as the decoder gives them. */
async function* plainText(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxChars: number,
  summary: StreamedSummary,
): AsyncGenerator<TextPiece> {
  const decoder = new TextStreamDecoder();
  const rules = new DocumentRules(maxChars);
  let first = true;
  const piece = (decoded: string): TextPiece | undefined => {
    if (decoded === '') return undefined;
    const out = { text: rules.piece(decoded), first };
    first = false;
    return out;
  };
  for await (const chunk of chunks) {
    const out = piece(decoder.write(chunk));
    if (out) yield out;
  }
  const out = piece(decoder.end());
  if (out) yield out;
  rules.end();
  const replaced = decoder.replacedChars + rules.nul;
  summary.stats = replaced > 0 ? { replacedChars: replaced } : {};
}

/**
 * JSON Lines: one document per record with a string `text` field (see RecordCollector for what counts as bad). A
 * file that starts with a UTF-16 byte order mark is decoded to UTF-8 first, as it comes.
 */
async function* jsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxChars: number,
  summary: StreamedSummary,
): AsyncGenerator<TextPiece> {
  const collector = new RecordCollector(maxChars);
  const reader = new JsonlReader(collector);
  const rules = new DocumentRules(maxChars);
  let utf16: TextStreamDecoder | undefined;
  // The first two bytes decide the encoding; a first chunk shorter than that waits for the next.
  let head: Uint8Array | undefined = new Uint8Array(0);
  const read = (bytes: Uint8Array): boolean => reader.write(utf16 ? Buffer.from(utf16.write(bytes)) : bytes);
  const records = function* (): Generator<TextPiece> {
    for (const record of collector.records.splice(0)) yield { text: rules.piece(record.text), first: true };
    if (collector.overLimit) throw new ExtractionRefused(overLimitMessage(maxChars));
  };
  let reading = true;
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (head) {
      bytes = concatBytes(head, chunk);
      if (bytes.length < 2) {
        head = bytes.slice();
        continue;
      }
      head = undefined;
      if (hasUtf16Bom(bytes)) utf16 = new TextStreamDecoder();
    }
    reading = read(bytes);
    yield* records();
    if (!reading) break;
  }
  if (reading) {
    if (head && head.length > 0) read(head);
    if (utf16) reader.write(Buffer.from(utf16.end()));
    reader.end();
  }
  yield* records();
  if (collector.accepted === 0) throw new ExtractionRefused(noRecordMessage(collector));
  summary.stats = collector.stats(reader.replacedChars + (utf16?.replacedChars ?? 0) + rules.nul);
}

/**
 * The documents of a file given as byte chunks, a piece at a time. Throws ExtractionRefused (at any piece, or after
 * the last) when the file cannot be extracted; `summary` is filled in once the last piece is out.
 */
export async function* streamDocuments(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  format: StreamedFormat,
  maxChars: number,
  summary: StreamedSummary,
): AsyncGenerator<TextPiece> {
  let bytes = 0;
  const counted = async function* () {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      yield chunk;
    }
    if (bytes === 0) throw new ExtractionRefused(EMPTY_FILE_MESSAGE);
  };
  yield* format === 'jsonl' ? jsonLines(counted(), maxChars, summary) : plainText(counted(), maxChars, summary);
}
