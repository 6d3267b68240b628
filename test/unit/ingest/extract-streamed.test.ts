/**
 * Streamed extraction: a file read in chunks of any size gives the text of reading it whole, and the JSONL written a
 * piece at a time is byte for byte the JSONL of the whole documents, with the same index.
 */
import { describe, expect, it } from 'vitest';
import { extractText } from '../../../src/ingest/extract/index.ts';
import {
  ExtractionRefused,
  type StreamedFormat,
  type StreamedSummary,
  streamDocuments,
} from '../../../src/ingest/extract/streamed.ts';
import { decodeText, TextStreamDecoder } from '../../../src/ingest/extract/text.ts';
import { extractionBody, extractionLines, type IndexEntry } from '../../../src/jobs/document-texts.ts';
import { type Random, seededRandom } from '../../../src/lib/seeded-random.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Cuts bytes into chunks of 1..max bytes. */
function* chunksOf(bytes: Uint8Array, random: Random, max: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const n = random.int(1, max);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Decoding the whole file the plain way: what chunked decoding must equal. */
function referenceDecode(bytes: Uint8Array): string {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  return new TextDecoder(encoding).decode(bytes).replace(/\r\n?/g, '\n');
}

/** Bytes drawn from an alphabet rich in trouble: CR/LF, multi-byte starts and continuations, U+FFFD, NUL, quotes. */
function troubleBytes(random: Random, length: number): Uint8Array {
  const alphabet = [0x41, 0x0a, 0x0d, 0x20, 0xc3, 0xa9, 0xe2, 0x98, 0x83, 0xf0, 0x9f, 0x98, 0x80, 0xef, 0xbf, 0xbd];
  const more = [0x80, 0xff, 0x00, 0x22, 0x5c, 0x7b, 0x7d, 0xed, 0xa0, 0xc0];
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = random.pick(random.chance(0.8) ? alphabet : more);
  if (random.chance(0.1) && length >= 2)
    [bytes[0], bytes[1]] = random.pick([
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]);
  return bytes;
}

async function streamedJsonl(chunks: Iterable<Uint8Array>, format: StreamedFormat, maxChars = 1e9) {
  const summary: StreamedSummary = { stats: {} };
  const index: IndexEntry[] = [];
  const parts: string[] = [];
  for await (const part of extractionLines(streamDocuments(chunks, format, maxChars, summary), index)) parts.push(part);
  return { body: parts.join(''), index, summary };
}

describe('TextStreamDecoder', () => {
  it('gives, over chunks of any size, the text and count of decoding the whole file', () => {
    const random = seededRandom('text-stream-decoder');
    for (let round = 0; round < 400; round++) {
      const bytes = troubleBytes(random, random.int(0, 120));
      const decoder = new TextStreamDecoder();
      let text = '';
      for (const chunk of chunksOf(bytes, random, random.pick([1, 2, 3, 7, 64]))) text += decoder.write(chunk);
      text += decoder.end();
      expect(text, `round ${round}`).toBe(referenceDecode(bytes));
      expect(decoder.replacedChars, `round ${round}`).toBe(decodeText(bytes).replacedChars);
    }
  });

  it('keeps a CRLF cut between two chunks one newline, and a CR at the very end a newline', () => {
    const decoder = new TextStreamDecoder();
    expect(decoder.write(utf8('a\r')) + decoder.write(utf8('\nb\r')) + decoder.end()).toBe('a\nb\n');
  });
});

describe('streamed extraction', () => {
  it('writes the JSONL and index of the whole documents, whatever the chunks', async () => {
    const random = seededRandom('streamed-extraction');
    const files: Array<[StreamedFormat, Uint8Array]> = [
      ['txt', utf8('\uFEFFfirst line\r\nnul \u0000 here; quote " and \\ and ☃ 𝄞\r')],
      ['md', utf8('# Title\n\nbody')],
      ['jsonl', utf8('{"text":"a"}\n{"text":"b\\u0000c"}\nnot json\n{"text":""}\n\n{"text":"é😀"}\r\n')],
      [
        'jsonl',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"text":"hi"}\r\n{"text":"there"}', 'utf16le')]),
      ],
    ];
    for (let i = 0; i < 60; i++)
      files.push([random.pick(['txt', 'md'] as const), troubleBytes(random, random.int(1, 200))]);
    for (const [n, [format, bytes]] of files.entries()) {
      const whole = await extractText(bytes, format, { maxChars: 1e9 });
      for (const max of [1, 5, 64]) {
        const chunks = chunksOf(bytes, random, max);
        if (!whole.ok) {
          await expect(streamedJsonl(chunks, format), `file ${n}`).rejects.toThrow(whole.error);
          continue;
        }
        const streamed = await streamedJsonl(chunks, format);
        const expected = extractionBody(whole.documents);
        expect(streamed.body, `file ${n}`).toBe(expected.body);
        expect(streamed.index, `file ${n}`).toEqual(expected.index);
        expect(streamed.summary.stats, `file ${n}`).toEqual(whole.stats);
        expect(streamed.index.length, `file ${n}`).toBe(whole.documents.length);
      }
    }
  });

  it('refuses, as reading whole does, a file over the limit, one without text, and an empty one', async () => {
    const refusal = (bytes: Uint8Array, format: StreamedFormat, maxChars: number) =>
      streamedJsonl([bytes], format, maxChars).then(
        () => 'accepted',
        (error: unknown) => (error instanceof ExtractionRefused ? error.message : `crashed: ${error}`),
      );
    expect(await refusal(utf8('abcdef'), 'txt', 5)).toBe('extracted text exceeds the limit of 5 characters');
    expect(await refusal(utf8('abcde'), 'txt', 5)).toBe('accepted');
    expect(await refusal(utf8(' \n\t '), 'md', 100)).toBe('the file contains no text');
    expect(await refusal(new Uint8Array(0), 'txt', 100)).toBe('file is empty');
    expect(await refusal(utf8('{"text":"abcdefghij"}\n{"text":"klm"}'), 'jsonl', 12)).toBe(
      'extracted text exceeds the limit of 12 characters',
    );
    expect(await refusal(utf8('[1]\n{"x":1}'), 'jsonl', 100)).toMatch(
      /^no record .* \(2 bad; first at 1: not a JSON object\)$/,
    );
  });
});
