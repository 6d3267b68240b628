/**
 * Token-bounded chunking (§2.2): whole paragraphs are packed greedily; a paragraph over the bound is cut into
 * sentences, a sentence over the bound into words, a word over the bound into characters. Unlike the original,
 * paragraphs inside a chunk stay separated by a blank line, no chunk ever exceeds the bound (each chunk's count is
 * checked exactly before it is emitted), and every chunk records where it came from in the source text.
 */
import { createHash } from 'node:crypto';
import { runInSlices, runToEnd } from '../lib/time-slices.ts';
import { type Span, sentenceSpans } from './sentences.ts';
import type { Tokenizer } from './tokenizer.ts';

/** Bump whenever the chunks produced for the same text and bound change: stored chunk sets are keyed by it. */
export const CHUNKER_VERSION = 1;

/** Chunks shorter than this are dropped, as in the original: too little to generate anything from. */
export const MIN_CHUNK_CHARS = 50;

/** Below this a single character could exceed the bound (BOS + space + four byte-fallback tokens). */
export const MIN_MAX_TOKENS = 8;

export interface ChunkableText {
  text: string;
  metadata: string;
}

export interface Chunk {
  text: string;
  metadata: string;
  /** Position among the kept chunks of the document, from 0. */
  index: number;
  /**
   * Character offsets of the chunk in the source text. `text` is the source between them with runs of blank lines
   * reduced to one, so paragraph breaks survive but are normalised.
   */
  start: number;
  end: number;
  tokens: number;
}

export interface DroppedFragment {
  reason: string;
  chars: number;
  start: number;
  end: number;
}

export interface ChunkResult {
  chunks: Chunk[];
  dropped: DroppedFragment[];
}

/** Names one chunking of one text: same text, bound, tokenizer and chunker version → same chunks. */
export function chunkSetKeyFor(docHash: string, maxTokens: number, tokenizerName: string): string {
  return `${docHash}-t${maxTokens}-${tokenizerName}-v${CHUNKER_VERSION}`;
}

interface Unit extends Span {
  paragraph: number;
  tokens: number;
}

/** How a tokenizer's counts combine, so packing can estimate a chunk before counting it exactly. */
interface JoinCosts {
  /** Tokens every count includes once (BOS). */
  fixed: number;
  /** Extra tokens when two pieces are joined by a space, and by a blank line. */
  space: number;
  paragraph: number;
}

const joinCostCache = new WeakMap<Tokenizer, JoinCosts>();

function joinCosts(tokenizer: Tokenizer): JoinCosts {
  let costs = joinCostCache.get(tokenizer);
  if (!costs) {
    const one = tokenizer.count('a');
    const fixed = Math.max(0, 2 * one - tokenizer.count('a a'));
    costs = {
      fixed,
      space: Math.max(0, tokenizer.count('a a') - 2 * one + fixed),
      paragraph: Math.max(0, tokenizer.count('a\n\na') - 2 * one + fixed),
    };
    joinCostCache.set(tokenizer, costs);
  }
  return costs;
}

/** Paragraphs: text between blank lines (lines of only whitespace), trimmed, empty ones skipped. */
export function paragraphSpans(text: string): Span[] {
  const spans: Span[] = [];
  const separator = /\n\s*\n/g;
  let from = 0;
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(text[start] as string)) start++;
    while (end > start && /\s/.test(text[end - 1] as string)) end--;
    if (end > start) spans.push({ start, end });
  };
  for (let m = separator.exec(text); m; m = separator.exec(text)) {
    push(from, m.index);
    from = m.index + m[0].length;
  }
  push(from, text.length);
  return spans;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Longest prefix of text[start, end) within the bound, never cutting a surrogate pair; at least one character. */
function longestFit(text: string, start: number, end: number, maxTokens: number, tokenizer: Tokenizer): number {
  const fits = (e: number) => tokenizer.count(text.slice(start, e)) <= maxTokens;
  const align = (e: number) => (e < end && isHighSurrogate(text.charCodeAt(e - 1)) ? e + 1 : e);
  let good = align(start + 1);
  let step = maxTokens;
  let bad = end + 1;
  // Gallop up, then bisect: counting a long unbroken string is the expensive part, so count few of them.
  while (good < end) {
    const probe = align(Math.min(end, good + step));
    if (!fits(probe)) {
      bad = probe;
      break;
    }
    good = probe;
    step *= 2;
  }
  while (bad - good > 1) {
    const mid = align(Math.floor((good + bad) / 2));
    if (mid >= bad || mid <= good) break;
    if (fits(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

/**
 * Cuts text[span] into units within the bound, going from sentences to words to characters as needed. Pausable
 * after each sentence: a document without blank lines is one paragraph.
 */
function* unitsOf(
  text: string,
  span: Span,
  paragraph: number,
  level: 0 | 1 | 2,
  max: number,
  tokenizer: Tokenizer,
  out: Unit[],
): Generator<void, void> {
  const slice = text.slice(span.start, span.end);
  // A span too long to fit even in the longest tokens is cut without being counted whole.
  const tokens =
    (tokenizer.fewestTokens?.(slice.length) ?? 0) > max ? Number.POSITIVE_INFINITY : tokenizer.count(slice);
  if (tokens <= max) {
    out.push({ start: span.start, end: span.end, paragraph, tokens });
    return;
  }
  if (level === 2) {
    for (let at = span.start; at < span.end; ) {
      const end = longestFit(text, at, span.end, max, tokenizer);
      out.push({ start: at, end, paragraph, tokens: tokenizer.count(text.slice(at, end)) });
      at = end;
    }
    return;
  }
  const parts: Span[] = [];
  if (level === 0) {
    for (const s of sentenceSpans(slice)) parts.push({ start: span.start + s.start, end: span.start + s.end });
  } else {
    for (const m of slice.matchAll(/\S+/g))
      parts.push({ start: span.start + m.index, end: span.start + m.index + m[0].length });
  }
  for (const part of parts) {
    yield* unitsOf(text, part, paragraph, (level + 1) as 1 | 2, max, tokenizer, out);
    if (level === 0) yield;
  }
}

interface Rendered {
  text: string;
  /** Per paragraph in the chunk: its text, and its count when already known. */
  groups: string[];
  counts: Array<number | undefined>;
}

/** The text of units[from, to): consecutive units of one paragraph as the source has them, paragraphs apart. */
function render(text: string, units: Unit[], from: number, to: number): Rendered {
  const groups: string[] = [];
  const counts: Array<number | undefined> = [];
  let groupStart = from;
  for (let k = from + 1; k <= to; k++) {
    if (k === to || (units[k] as Unit).paragraph !== (units[k - 1] as Unit).paragraph) {
      groups.push(text.slice((units[groupStart] as Unit).start, (units[k - 1] as Unit).end));
      // A group of one unit was counted when the unit was made.
      counts.push(k - groupStart === 1 ? (units[groupStart] as Unit).tokens : undefined);
      groupStart = k;
    }
  }
  return { text: groups.length === 1 ? (groups[0] as string) : groups.join(PARAGRAPH_BREAK), groups, counts };
}

/** The chunk's exact count, from its paragraphs' counts when the tokenizer can combine them. */
function exactTokens(r: Rendered, tokenizer: Tokenizer): number {
  if (r.groups.length === 1) return r.counts[0] ?? tokenizer.count(r.text);
  if (!tokenizer.countJoined) return tokenizer.count(r.text);
  const counts = r.counts.map((c, i) => c ?? tokenizer.count(r.groups[i] as string));
  return tokenizer.countJoined(r.groups, counts, PARAGRAPH_BREAK);
}

const PARAGRAPH_BREAK = '\n\n';

/** More characters per token than any real text has; documents longer than this many per token cannot fit whole. */
const MAX_CHARS_PER_TOKEN = 6;

/**
 * Most JSONL records and short documents fit in one chunk. Counting them whole once is cheaper than counting
 * paragraphs, packing them, then counting the chunk again.
 */
function fitsWhole(
  text: string,
  paragraphs: Span[],
  maxTokens: number,
  tokenizer: Tokenizer,
): (Span & { text: string; tokens: number }) | undefined {
  const first = paragraphs[0];
  const last = paragraphs.at(-1);
  if (!first || !last || last.end - first.start > maxTokens * MAX_CHARS_PER_TOKEN) return undefined;
  const whole =
    paragraphs.length === 1
      ? text.slice(first.start, first.end)
      : paragraphs.map((p) => text.slice(p.start, p.end)).join(PARAGRAPH_BREAK);
  const tokens = tokenizer.count(whole);
  return tokens <= maxTokens ? { start: first.start, end: last.end, text: whole, tokens } : undefined;
}

function single(doc: ChunkableText, c: Span & { text: string; tokens: number }): ChunkResult {
  if (c.text.length < MIN_CHUNK_CHARS) {
    return { chunks: [], dropped: [{ reason: DROP_REASON, chars: c.text.length, start: c.start, end: c.end }] };
  }
  return {
    chunks: [{ text: c.text, metadata: doc.metadata, index: 0, start: c.start, end: c.end, tokens: c.tokens }],
    dropped: [],
  };
}

const DROP_REASON = `shorter than ${MIN_CHUNK_CHARS} characters`;

export function chunkDocument(doc: ChunkableText, maxTokens: number, tokenizer: Tokenizer): ChunkResult {
  return runToEnd(chunkSteps(doc, maxTokens, tokenizer));
}

/** `chunkDocument` with the event loop served every few milliseconds (a long document takes hundreds of them). */
export function chunkDocumentInSlices(
  doc: ChunkableText,
  maxTokens: number,
  tokenizer: Tokenizer,
): Promise<ChunkResult> {
  return runInSlices(chunkSteps(doc, maxTokens, tokenizer));
}

/** The chunking, pausable after each paragraph is cut into units and after each chunk is packed. */
function* chunkSteps(doc: ChunkableText, maxTokens: number, tokenizer: Tokenizer): Generator<void, ChunkResult> {
  if (!Number.isInteger(maxTokens) || maxTokens < MIN_MAX_TOKENS) {
    throw new RangeError(`maxTokens must be an integer ≥ ${MIN_MAX_TOKENS}, got ${maxTokens}`);
  }
  const { text } = doc;
  const paragraphs = paragraphSpans(text);
  const whole = fitsWhole(text, paragraphs, maxTokens, tokenizer);
  if (whole) return single(doc, whole);
  const units: Unit[] = [];
  for (const [i, p] of paragraphs.entries()) {
    yield* unitsOf(text, p, i, 0, maxTokens, tokenizer, units);
    yield;
  }

  const costs = joinCosts(tokenizer);
  const chunks: Chunk[] = [];
  const dropped: DroppedFragment[] = [];
  for (let from = 0; from < units.length; ) {
    let to = from + 1;
    let estimate = (units[from] as Unit).tokens;
    for (; to < units.length; to++) {
      const u = units[to] as Unit;
      const join = u.paragraph === (units[to - 1] as Unit).paragraph ? costs.space : costs.paragraph;
      const next = estimate + u.tokens - costs.fixed + join;
      if (next > maxTokens) break;
      estimate = next;
    }
    // The estimate can be off by a token or two where pieces meet; the exact count decides, shedding units if needed.
    let rendered = render(text, units, from, to);
    let tokens = exactTokens(rendered, tokenizer);
    while (tokens > maxTokens && to - from > 1) {
      to--;
      rendered = render(text, units, from, to);
      tokens = exactTokens(rendered, tokenizer);
    }
    const chunkText = rendered.text;
    const start = (units[from] as Unit).start;
    const end = (units[to - 1] as Unit).end;
    if (chunkText.length < MIN_CHUNK_CHARS) {
      dropped.push({ reason: DROP_REASON, chars: chunkText.length, start, end });
    } else {
      chunks.push({ text: chunkText, metadata: doc.metadata, index: chunks.length, start, end, tokens });
    }
    from = to;
    yield;
  }
  return { chunks, dropped };
}

/**
 * The original's `use_subset`: order chunks by md5(str(seed) + text) and keep the first `size`. Deterministic and
 * independent of the run, so every style and iteration sees the same chunks; md5 keeps the selection identical to
 * Augmentoolkit's for the same seed and texts.
 */
export function subsetChunks<T extends { text: string }>(
  chunks: readonly T[],
  seed: number | string,
  size: number,
): T[] {
  return firstByKey(chunks, (chunk) => subsetKeyOf(seed, chunk.text), size);
}

/** A chunk's place in the subset order: md5(str(seed) + text), hex. */
export function subsetKeyOf(seed: number | string, text: string): string {
  return createHash('md5')
    .update(String(seed) + text)
    .digest('hex');
}

/** The first `size` items by key, ties in input order (the subset of chunks whose keys are known already). */
export function firstByKey<T>(items: readonly T[], keyOf: (item: T) => string, size: number): T[] {
  return items
    .map((item, i) => ({ item, i, key: keyOf(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .slice(0, Math.max(0, size))
    .map((e) => e.item);
}
