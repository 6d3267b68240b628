/**
 * Ingest throughput: builds a ~100 MB mixed corpus from the shared corpus texts in a temp dir (txt, md, jsonl, plus
 * generated PDF and DOCX files and the real field-manual PDF), then sniffs, extracts and chunks every file at 4000
 * tokens, one file at a time as the ingest stage does. Prints text MB/s per format, the tokenizer's speed and the
 * peak RSS. Building and measuring each run in a fresh child process, so the RSS figure is ingest's alone (not the
 * corpus generator's, nor another benchmark's). Run alone with `node --import tsx bench/ingest.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chunkDocument } from '../src/ingest/chunk.ts';
import { extractText } from '../src/ingest/extract/index.ts';
import type { DocumentFormat } from '../src/ingest/format.ts';
import { joinPdfLines } from '../src/ingest/pdf-lines.ts';
import { sniffFormat } from '../src/ingest/sniff.ts';
import { defaultTokenizer } from '../src/ingest/tokenizer.ts';
import { CORPUS_DIR } from '../test/support/corpus.ts';
import { corpusSources, corpusTextOfSize } from './corpus-text.ts';

const CHUNK_TOKENS = 4000;
const MB = 1024 * 1024;

async function buildCorpus(dir: string): Promise<void> {
  const { makeDocx, makePdf } = await import('../test/support/fixtures/index.ts');
  const textOfSize = corpusTextOfSize();
  let seed = 0;
  const write = (name: string, data: string | Buffer) => writeFile(path.join(dir, name), data);
  for (let i = 0; i < 7; i++) await write(`text-${i}.txt`, textOfSize(5 * MB, seed++));
  for (let i = 0; i < 5; i++)
    await write(`notes-${i}.md`, `# Notes ${i}\n\n${textOfSize(5 * MB, seed++, '\n\n## Section\n\n')}`);
  for (let i = 0; i < 7; i++) {
    const lines: string[] = [];
    let size = 0;
    for (let k = 0; size < 5 * MB; k++) {
      const line = JSON.stringify({ text: textOfSize(3000, seed * 1000 + k), source: `record-${k}` });
      lines.push(line);
      size += line.length + 1;
    }
    seed++;
    await write(`records-${i}.jsonl`, `${lines.join('\n')}\n`);
  }
  for (let i = 0; i < 4; i++) {
    const pages = Array.from({ length: 40 }, (_, p) => textOfSize(3000, seed * 100 + p, ' '));
    seed++;
    await write(`generated-${i}.pdf`, await makePdf(pages));
  }
  const manual = readFileSync(path.join(CORPUS_DIR, 'army-field-manuals/fm-1-05-religious-support.pdf'));
  for (let i = 0; i < 2; i++) await write(`manual-${i}.pdf`, manual);
  for (let i = 0; i < 4; i++) await write(`memo-${i}.docx`, await makeDocx(textOfSize(2 * MB, seed++).split('\n\n')));
}

function benchTokenizer(): void {
  const text = corpusSources().join('\n\n');
  const tokenizer = defaultTokenizer();
  let started = performance.now();
  const tokens = tokenizer.count(text);
  const coldMs = performance.now() - started;
  tokenizer.count(text);
  started = performance.now();
  for (let i = 0; i < 5; i++) tokenizer.count(text);
  const warmMs = (performance.now() - started) / 5;
  const mb = text.length / 1e6;
  console.log(
    `tokenizer ${tokenizer.name} on ${mb.toFixed(2)} M chars of corpus text (${tokens} tokens): ` +
      `first pass ${(mb / (coldMs / 1000)).toFixed(1)} MB/s (vocabulary load included), ` +
      `warm ${(mb / (warmMs / 1000)).toFixed(1)} MB/s = ${(tokens / warmMs / 1000).toFixed(1)} M tokens/s`,
  );
}

interface FormatFigures {
  files: number;
  inputBytes: number;
  textChars: number;
  extractMs: number;
  chunkMs: number;
  chunks: number;
  tokens: number;
  peakRss: number;
}

async function measure(dir: string): Promise<void> {
  let peakRss = 0;
  const sampleRss = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  // Extraction and chunking are synchronous stretches, so sample between steps too, not only on the timer.
  const timer = setInterval(sampleRss, 20);
  try {
    sampleRss();
    console.log(`RSS at start: ${(peakRss / MB).toFixed(0)} MB`);
    benchTokenizer();
    const tokenizer = defaultTokenizer();
    const figures = new Map<DocumentFormat, FormatFigures>();
    for (const name of (await readdir(dir)).sort()) {
      const bytes = await readFile(path.join(dir, name));
      const sniffed = sniffFormat(bytes.subarray(0, 8192), name);
      if ('error' in sniffed) throw new Error(`${name}: ${sniffed.error}`);
      let f = figures.get(sniffed.format);
      if (!f) {
        f = { files: 0, inputBytes: 0, textChars: 0, extractMs: 0, chunkMs: 0, chunks: 0, tokens: 0, peakRss: 0 };
        figures.set(sniffed.format, f);
      }
      let started = performance.now();
      const extracted = await extractText(bytes, sniffed.format, { maxChars: 200_000_000 });
      f.extractMs += performance.now() - started;
      sampleRss();
      if (!extracted.ok) throw new Error(`${name}: ${extracted.error}`);
      started = performance.now();
      for (const doc of extracted.documents) {
        const text = sniffed.format === 'pdf' ? joinPdfLines(doc.text) : doc.text;
        const { chunks } = chunkDocument({ text, metadata: name }, CHUNK_TOKENS, tokenizer);
        f.textChars += doc.text.length;
        f.chunks += chunks.length;
        for (const c of chunks) f.tokens += c.tokens;
      }
      f.chunkMs += performance.now() - started;
      f.files++;
      f.inputBytes += bytes.length;
      sampleRss();
      f.peakRss = Math.max(f.peakRss, process.memoryUsage().rss);
    }

    console.log(`\nextract + chunk (${CHUNK_TOKENS} tokens), one file at a time:`);
    console.log('format  files  input MB  text MB  extract s  chunk s  text MB/s  chunks  chunk tok/s  max RSS');
    for (const [format, f] of figures) {
      const seconds = (f.extractMs + f.chunkMs) / 1000;
      console.log(
        [
          format.padEnd(6),
          String(f.files).padStart(6),
          (f.inputBytes / MB).toFixed(1).padStart(9),
          (f.textChars / 1e6).toFixed(1).padStart(8),
          (f.extractMs / 1000).toFixed(2).padStart(10),
          (f.chunkMs / 1000).toFixed(2).padStart(8),
          (f.textChars / 1e6 / seconds).toFixed(1).padStart(10),
          String(f.chunks).padStart(7),
          `${(f.tokens / (f.chunkMs / 1000) / 1e6).toFixed(2)} M`.padStart(12),
          `${(f.peakRss / MB).toFixed(0)} MB`.padStart(8),
        ].join(' '),
      );
    }
    sampleRss();
    console.log(`\npeak RSS while extracting and chunking: ${(peakRss / MB).toFixed(0)} MB`);
  } finally {
    clearInterval(timer);
  }
}

function runChild(mode: '--build' | '--measure', dir: string): void {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, script, mode, dir], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`bench ingest ${mode} failed with status ${child.status}`);
}

export async function benchIngest(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-ingest-'));
  try {
    const started = performance.now();
    runChild('--build', dir);
    let total = 0;
    const names = await readdir(dir);
    for (const name of names) total += (await readFile(path.join(dir, name))).length;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`corpus: ${names.length} files, ${(total / MB).toFixed(1)} MB, built in ${seconds} s`);
    runChild('--measure', dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, dir] = process.argv.slice(2);
  if (mode === '--build' && dir) await buildCorpus(dir);
  else if (mode === '--measure' && dir) await measure(dir);
  else await benchIngest();
}
