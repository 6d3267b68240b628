/**
 * Token counting for chunk sizes. Counts must be exact for the model the chunk sizes were tuned on, because a chunk
 * one token over the bound can overflow a prompt; they must also be fast, because ingest counts every byte twice.
 *
 * The default counts like Augmentoolkit: `len(tokenizer.encode(text))` with the Mistral-7B v0.1 / Llama SentencePiece
 * tokenizer, which INCLUDES the BOS token (so a non-empty text counts one more than its pieces). An empty text
 * counts 0, as the JS tokenizer returns no ids for it.
 */
import { createHash } from 'node:crypto';
import { type BpeModel, mistralBpe } from './bpe.ts';
import { HASH_SEED, hashStep, PieceCache } from './piece-cache.ts';

export interface Tokenizer {
  /** Stable name; part of cache keys, so a different counting must use a different name. */
  readonly name: string;
  count(text: string): number;
  /**
   * Optional shortcut: exactly `count(parts.join(separator))`, given `counts[i] === count(parts[i])`, without
   * reading the parts again. The chunker prices a chunk of paragraphs with it instead of recounting the chunk.
   */
  countJoined?(parts: readonly string[], counts: readonly number[], separator: string): number;
  /**
   * Optional: a lower bound on `count(text)` for every text of `length` UTF-16 units. The chunker cuts a span it
   * cannot fit without counting it first (a one-paragraph document was counted whole for nothing).
   */
  fewestTokens?(length: number): number;
}

const SPACE = 0x20;
const SPACE_SYMBOL = 0x2581;
const NEWLINE = 0x0a;

/** Pieces up to this length are cached by their characters: words repeat a lot. */
const MAX_CACHED_PIECE = 32;
/** Longer pieces kept by digest; cleared when full. */
const MAX_LONG_PIECES = 8192;

/**
 * Counts SentencePiece tokens by splitting the text where no merge can cross and summing cached per-piece counts.
 *
 * Why the split is exact: a merge that crossed a boundary would create a token containing the two characters on
 * either side of it. No token in this vocabulary contains a non-space character followed by U+2581 (the space
 * symbol), and no token contains a newline (newlines are byte-fallback tokens that never merge). So the text is
 * cut before a space that follows a non-space (a literal U+2581 counts as a space, since the tokenizer cannot tell
 * them apart) and on both sides of a newline, and BPE on each piece yields exactly the tokens of the whole.
 * Tests assert this on corpus text against the library's own encoder.
 */
export class SentencePieceCounter implements Tokenizer {
  private readonly cache = new PieceCache(MAX_CACHED_PIECE);
  private readonly long = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly bpe: BpeModel,
  ) {}

  /** BOS, then tokens of at most `longestToken` units each covering the text (and the dummy prefix space). */
  fewestTokens(length: number): number {
    return length === 0 ? 0 : 1 + Math.ceil(length / this.bpe.longestToken);
  }

  count(text: string): number {
    const n = text.length;
    if (n === 0) return 0;
    let total = 1; // BOS
    let start = 0;
    let hash = HASH_SEED;
    // SentencePiece puts a space before the text (add_dummy_prefix). Rather than scanning a concatenated copy (V8
    // reads cons strings several times slower), the first piece gets the space when it is counted.
    let first = true;
    let prev = SPACE;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if ((c === SPACE && prev !== SPACE && prev !== SPACE_SYMBOL) || c === NEWLINE || prev === NEWLINE) {
        if (first) {
          total += this.firstPiece(text.slice(0, i));
          first = false;
          start = i;
          hash = HASH_SEED;
        } else if (i > start) {
          total += this.piece(text, start, i, hash);
          start = i;
          hash = HASH_SEED;
        }
      }
      hash = hashStep(hash, c);
      prev = c;
    }
    return total + (first ? this.firstPiece(text) : this.piece(text, start, n, hash));
  }

  /**
   * Long unbroken runs (URLs, base64, CJK lines) cost real BPE work and the chunker counts the same run at several
   * levels, so they are cached too, under a digest: a substring key would pin the whole document in memory.
   */
  private longPiece(piece: string): number {
    const key = createHash('sha256').update(piece).digest('base64');
    let n = this.long.get(key);
    if (n === undefined) {
      n = this.bpe.count(piece);
      if (this.long.size >= MAX_LONG_PIECES) this.long.clear();
      this.long.set(key, n);
    }
    return n;
  }

  private firstPiece(head: string): number {
    return this.standalonePiece(` ${head}`);
  }

  /**
   * Joining by newlines keeps every piece of every part (newlines are boundaries and each is one byte token); what
   * changes is that BOS is counted once and each later part's first piece loses the dummy prefix space.
   */
  countJoined(parts: readonly string[], counts: readonly number[], separator: string): number {
    const simple =
      parts.length === counts.length &&
      /^\n+$/.test(separator) &&
      parts.every((p) => p.length > 0 && p.charCodeAt(0) !== NEWLINE);
    if (!simple) return this.count(parts.join(separator));
    let total = counts[0] ?? 0;
    for (let i = 1; i < parts.length; i++) {
      total += (counts[i] as number) - 1 + separator.length + this.firstPieceDelta(parts[i] as string);
    }
    return total;
  }

  /** Tokens of a text's first piece without the dummy prefix space, minus with it. */
  private firstPieceDelta(text: string): number {
    let end = text.length;
    for (let i = 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const prev = text.charCodeAt(i - 1);
      if ((c === SPACE && prev !== SPACE && prev !== SPACE_SYMBOL) || c === NEWLINE || prev === NEWLINE) {
        end = i;
        break;
      }
    }
    const head = text.slice(0, end);
    return this.standalonePiece(head) - this.firstPiece(head);
  }

  private standalonePiece(piece: string): number {
    let hash = HASH_SEED;
    for (let i = 0; i < piece.length; i++) hash = hashStep(hash, piece.charCodeAt(i));
    return this.piece(piece, 0, piece.length, hash);
  }

  private piece(s: string, start: number, end: number, hash: number): number {
    if (end - start > MAX_CACHED_PIECE) return this.longPiece(s.slice(start, end));
    const cached = this.cache.get(s, start, end, hash);
    if (cached >= 0) return cached;
    const n = this.bpe.count(s.slice(start, end));
    this.cache.set(s, start, end, hash, n);
    return n;
  }
}

export const DEFAULT_TOKENIZER = 'mistral-7b-v0.1';

const factories = new Map<string, () => Tokenizer>([
  [DEFAULT_TOKENIZER, () => new SentencePieceCounter(DEFAULT_TOKENIZER, mistralBpe())],
]);
const instances = new Map<string, Tokenizer>();

/** Adds a tokenizer that projects can choose by name. */
export function registerTokenizer(name: string, factory: () => Tokenizer): void {
  if (factories.has(name)) throw new Error(`tokenizer ${name} is already registered`);
  factories.set(name, factory);
}

export function tokenizerNames(): string[] {
  return [...factories.keys()];
}

/** One shared instance per name, so the piece cache is shared by everything in the process. */
export function getTokenizer(name: string): Tokenizer {
  let tokenizer = instances.get(name);
  if (tokenizer) return tokenizer;
  const factory = factories.get(name);
  if (!factory) throw new Error(`unknown tokenizer "${name}" (known: ${tokenizerNames().join(', ')})`);
  tokenizer = factory();
  instances.set(name, tokenizer);
  return tokenizer;
}

export function defaultTokenizer(): Tokenizer {
  return getTokenizer(DEFAULT_TOKENIZER);
}
