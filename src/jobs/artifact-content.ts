/**
 * An artifact's content on its way to storage: whole, or pieces written as they come (a file longer than one string
 * can hold). Its records are counted as it passes, for the run's ledger.
 */
import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { countRecords, JsonlLineCounter } from '../pipelines/shared/jsonl.ts';
import type { ArtifactContent } from '../pipelines/stage.ts';

const isWhole = (content: ArtifactContent): content is string | Uint8Array =>
  typeof content === 'string' || content instanceof Uint8Array;

/** The body to store, and its records once the body has been read to its end (undefined when not countable). */
export function countedBody(
  path: string,
  content: ArtifactContent,
): { body: string | Uint8Array | Readable; records(): number | undefined } {
  if (isWhole(content)) return { body: content, records: () => countRecords(path, content) };
  // Pieces are counted as JSON Lines; a file of another kind written in pieces has no record count.
  const counter = path.endsWith('.jsonl') ? new JsonlLineCounter() : undefined;
  const pieces = content;
  async function* counted() {
    for await (const piece of pieces) {
      counter?.add(piece);
      yield Buffer.from(piece);
    }
  }
  return { body: Readable.from(counted()), records: () => counter?.count };
}

/** What a dry run keeps of a file: its size, records and first characters, never the file. */
export async function measureContent(
  path: string,
  content: ArtifactContent,
  headChars: number,
): Promise<{ bytes: number; records: number | undefined; head: string }> {
  if (isWhole(content)) {
    const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
    return {
      bytes: typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength,
      records: countRecords(path, content),
      head: text.slice(0, headChars),
    };
  }
  const counter = new JsonlLineCounter();
  let bytes = 0;
  let head = '';
  for await (const piece of content) {
    bytes += Buffer.byteLength(piece);
    if (head.length < headChars) head += piece.slice(0, headChars - head.length);
    counter.add(piece);
  }
  return { bytes, records: path.endsWith('.jsonl') ? counter.count : undefined, head };
}
