import { describe, expect, it } from 'vitest';
import { extractText } from '../../../src/ingest/extract/index.ts';
import { JsonlReader, MAX_BAD_LINE_DETAILS, RecordCollector } from '../../../src/ingest/extract/jsonl.ts';
import { decodeText } from '../../../src/ingest/extract/text.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const limits = { maxChars: 1_000_000 };

describe('decodeText', () => {
  it('strips a BOM and normalises CRLF and lone CR to LF', () => {
    expect(decodeText(utf8('\uFEFFline one\r\nline two\rthree\n'))).toEqual({
      text: 'line one\nline two\nthree\n',
      replacedChars: 0,
    });
  });

  it('replaces invalid bytes with U+FFFD and counts only those it introduced', () => {
    // "Hi", an invalid continuation, a real U+FFFD in the file, a lone 0xFF, "!"
    const bytes = new Uint8Array([0x48, 0x69, 0xc3, 0x28, 0xef, 0xbf, 0xbd, 0xff, 0x21]);
    const { text, replacedChars } = decodeText(bytes);
    expect(text).toBe('Hi\uFFFD(\uFFFD\uFFFD!');
    expect(replacedChars).toBe(2);
  });

  it('decodes UTF-16 with a byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße\r\n', 'utf16le')]);
    expect(decodeText(le).text).toBe('Grüße\n');
    const be = Buffer.from(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ok', 'utf16le')]).swap16());
    expect(decodeText(be).text).toBe('ok');
  });
});

describe('extractText: plain text', () => {
  it('gives one document and reports replaced characters', async () => {
    const r = await extractText(new Uint8Array([0x61, 0x62, 0xff, 0x63]), 'txt', limits);
    expect(r).toEqual({ ok: true, documents: [{ text: 'ab\uFFFDc' }], stats: { replacedChars: 1 } });
    expect(await extractText(utf8('# T\n\nbody'), 'md', limits)).toEqual({
      ok: true,
      documents: [{ text: '# T\n\nbody' }],
      stats: {},
    });
  });

  it('refuses empty files, whitespace-only files and text over the limit', async () => {
    expect(await extractText(new Uint8Array(0), 'txt', limits)).toEqual({ ok: false, error: 'file is empty' });
    expect(await extractText(new Uint8Array(0), 'pdf', limits)).toEqual({ ok: false, error: 'file is empty' });
    expect(await extractText(utf8(' \n\t\n'), 'txt', limits)).toEqual({
      ok: false,
      error: 'the file contains no text',
    });
    const over = await extractText(utf8('x'.repeat(101)), 'txt', { maxChars: 100 });
    expect(over).toEqual({ ok: false, error: 'extracted text exceeds the limit of 100 characters' });
  });

  it('turns NUL characters (which PostgreSQL text cannot hold) into counted replacements', async () => {
    const r = await extractText(utf8('{"text": "a\\u0000b"}\n'), 'jsonl', limits);
    expect(r).toMatchObject({ ok: true, documents: [{ text: 'a\uFFFDb' }], stats: { replacedChars: 1 } });
  });
});

describe('extractText: JSON Lines', () => {
  it('yields one document per record and counts bad lines with their numbers', async () => {
    const file = [
      '{"text": "first record"}',
      '',
      'not json',
      '{"text": 42}',
      '["an", "array"]',
      '{"other": "field"}',
      '{"text": "   "}',
      '  {"text": "second record", "extra": true}  ',
      '{"text": "third, no final newline"}',
    ].join('\r\n');
    const r = await extractText(utf8(file), 'jsonl', limits);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.documents.map((d) => d.text)).toEqual(['first record', 'second record', 'third, no final newline']);
    expect(r.stats.records).toBe(3);
    expect(r.stats.badLineCount).toBe(5);
    expect(r.stats.badLines?.map((b) => b.line)).toEqual([3, 4, 5, 6, 7]);
    expect(r.stats.badLines?.[0]?.reason).toMatch(/^invalid JSON/);
    expect(r.stats.badLines?.slice(1).map((b) => b.reason)).toEqual([
      'no string "text" field',
      'not a JSON object',
      'no string "text" field',
      'empty "text" field',
    ]);
  });

  it('keeps details of the first 100 bad lines only, but counts all', async () => {
    const lines = Array.from({ length: 250 }, (_, i) => (i === 249 ? '{"text": "ok"}' : `broken ${i}`));
    const r = await extractText(utf8(lines.join('\n')), 'jsonl', limits);
    expect(r.ok && r.stats.badLineCount).toBe(249);
    expect(r.ok && r.stats.badLines?.length).toBe(MAX_BAD_LINE_DETAILS);
  });

  it('fails a file without a single usable record, naming the first problem', async () => {
    const r = await extractText(utf8('nope\n{"a": 1}\n'), 'jsonl', limits);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /^no record with a non-empty string "text" field \(2 bad; first at 1: invalid JSON/,
    );
  });

  it('stops at the character limit', async () => {
    const file = Array.from({ length: 20 }, () => JSON.stringify({ text: 'y'.repeat(10) })).join('\n');
    expect(await extractText(utf8(file), 'jsonl', { maxChars: 150 })).toEqual({
      ok: false,
      error: 'extracted text exceeds the limit of 150 characters',
    });
  });

  it('reads byte chunks split anywhere, even inside a multi-byte character', () => {
    const file = utf8('{"text": "naïve café ☕"}\n{"text": "second"}\n');
    for (let size = 1; size <= 7; size++) {
      const collector = new RecordCollector(1000);
      const reader = new JsonlReader(collector);
      for (let at = 0; at < file.length; at += size) reader.write(file.subarray(at, at + size));
      reader.end();
      expect(collector.records.map((r) => r.text)).toEqual(['naïve café ☕', 'second']);
      expect(reader.replacedChars).toBe(0);
    }
  });

  it('counts invalid UTF-8 inside records', async () => {
    const bytes = new Uint8Array([...utf8('{"text": "a'), 0xff, ...utf8('b \uFFFD"}\n')]);
    const r = await extractText(bytes, 'jsonl', limits);
    expect(r).toMatchObject({ ok: true, documents: [{ text: 'a\uFFFDb \uFFFD' }], stats: { replacedChars: 1 } });
  });
});

describe('extractText: JSON arrays', () => {
  it('reads an array of records, counting bad items by their 1-based position', async () => {
    const r = await extractText(
      utf8(JSON.stringify([{ text: 'one' }, { nope: 1 }, 'str', { text: 'two' }])),
      'json',
      limits,
    );
    expect(r).toEqual({
      ok: true,
      documents: [{ text: 'one' }, { text: 'two' }],
      stats: {
        records: 2,
        badLineCount: 2,
        badLines: [
          { line: 2, reason: 'no string "text" field' },
          { line: 3, reason: 'not a JSON object' },
        ],
      },
    });
  });

  it('reads a single record object and refuses invalid JSON', async () => {
    expect(await extractText(utf8('{\n "text": "solo"\n}'), 'json', limits)).toMatchObject({
      ok: true,
      documents: [{ text: 'solo' }],
    });
    const bad = await extractText(utf8('[{"text": "a"},'), 'json', limits);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^invalid JSON/);
  });
});
