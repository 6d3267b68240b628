/**
 * SentencePiece-style BPE over the vocabulary and merges shipped by `mistral-tokenizer-js`, reimplemented on typed
 * arrays. The library's own encoder builds an object per character and a string per candidate pair: about 800 bytes
 * of memory per input character, so one long unbroken string (a base64 image in a Markdown file) can take a worker
 * down. This one applies the same merges in the same order (priority, then leftmost) with a few bytes per character.
 * Tests check it against the library's encoder token for token.
 */
import mistral from 'mistral-tokenizer-js';

const SPACE_SYMBOL = '\u2581';

export interface BpeModel {
  /** Token ids of a piece of text, without BOS and without the leading space SentencePiece adds to a whole text. */
  encode(piece: string): Int32Array;
  /** Same as `encode(piece).length`, without materialising the ids. */
  count(piece: string): number;
  /** UTF-16 length of the longest token's text (a byte token covers less than a character). */
  longestToken: number;
}

interface Tables {
  vocabSize: number;
  charId: Map<string, number>;
  byteId: Int32Array;
  /** left * vocabSize + right → index into rank/result. */
  pair: Map<number, number>;
  rank: Float64Array;
  result: Int32Array;
  longestToken: number;
}

function buildTables(): Tables {
  const { vocabById, vocabByString, merges } = mistral;
  const vocabSize = vocabById.length;
  const byteId = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = vocabByString.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    if (id === undefined) throw new Error(`tokenizer vocabulary lacks byte token ${b}`);
    byteId[b] = id;
  }
  const pair = new Map<number, number>();
  const rank = new Float64Array(merges.size);
  const result = new Int32Array(merges.size);
  let m = 0;
  for (const [key, priority] of merges) {
    // Token strings never contain a plain space (spaces are U+2581), so the separator is unambiguous.
    const sep = key.indexOf(' ');
    const left = key.slice(0, sep);
    const right = key.slice(sep + 1);
    const a = vocabByString.get(left);
    const b = vocabByString.get(right);
    const merged = vocabByString.get(left + right);
    if (a === undefined || b === undefined || merged === undefined)
      throw new Error(`unusable tokenizer merge "${key}"`);
    pair.set(a * vocabSize + b, m);
    rank[m] = priority;
    result[m] = merged;
    m++;
  }
  const charId = new Map<string, number>();
  for (const [token, id] of vocabByString) if ([...token].length === 1) charId.set(token, id);
  let longestToken = 1;
  for (const token of vocabByString.keys()) {
    if (!/^<0x[0-9A-F]{2}>$/.test(token)) longestToken = Math.max(longestToken, token.length);
  }
  return { vocabSize, charId, byteId, pair, rank, result, longestToken };
}

const encoder = new TextEncoder();

function initialIds(t: Tables, piece: string): Int32Array {
  const ids: number[] = [];
  for (const ch of piece) {
    const id = t.charId.get(ch === ' ' ? SPACE_SYMBOL : ch);
    if (id !== undefined) ids.push(id);
    else for (const byte of encoder.encode(ch)) ids.push(t.byteId[byte] as number);
  }
  return Int32Array.from(ids);
}

/** Binary min-heap of (priority, node) pairs in parallel arrays. */
class PairHeap {
  private readonly prio: number[] = [];
  private readonly node: number[] = [];
  get size(): number {
    return this.prio.length;
  }
  push(p: number, n: number): void {
    let i = this.prio.length;
    this.prio.push(p);
    this.node.push(n);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.prio[parent] as number) <= p) break;
      this.prio[i] = this.prio[parent] as number;
      this.node[i] = this.node[parent] as number;
      i = parent;
    }
    this.prio[i] = p;
    this.node[i] = n;
  }
  /** Removes the minimum; read it with topPrio/topNode first. */
  pop(): void {
    const lastP = this.prio.pop() as number;
    const lastN = this.node.pop() as number;
    const size = this.prio.length;
    if (size === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && (this.prio[child + 1] as number) < (this.prio[child] as number)) child++;
      if ((this.prio[child] as number) >= lastP) break;
      this.prio[i] = this.prio[child] as number;
      this.node[i] = this.node[child] as number;
      i = child;
    }
    this.prio[i] = lastP;
    this.node[i] = lastN;
  }
  get topPrio(): number {
    return this.prio[0] as number;
  }
  get topNode(): number {
    return this.node[0] as number;
  }
}

function runMerges(t: Tables, ids: Int32Array): Int32Array {
  const n = ids.length;
  if (n < 2) return ids;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Merge priority first, then position: equal merges go left to right, as in SentencePiece and the library.
  const stride = n + 1;
  const heap = new PairHeap();
  const priorityAt = (i: number): number => {
    const j = next[i] as number;
    if (j < 0) return -1;
    const m = t.pair.get((ids[i] as number) * t.vocabSize + (ids[j] as number));
    return m === undefined ? -1 : (t.rank[m] as number) * stride + i;
  };
  const consider = (i: number) => {
    const p = priorityAt(i);
    if (p >= 0) heap.push(p, i);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.size > 0) {
    const p = heap.topPrio;
    const i = heap.topNode;
    heap.pop();
    // Entries go stale when a neighbour merges; a live one still describes the same pair at the same priority.
    if (ids[i] === -1 || priorityAt(i) !== p) continue;
    const j = next[i] as number;
    const m = t.pair.get((ids[i] as number) * t.vocabSize + (ids[j] as number)) as number;
    ids[i] = t.result[m] as number;
    ids[j] = -1;
    const k = next[j] as number;
    next[i] = k;
    if (k >= 0) prev[k] = i;
    if ((prev[i] as number) >= 0) consider(prev[i] as number);
    consider(i);
  }
  return ids.filter((id) => id !== -1);
}

let tables: Tables | undefined;

export function mistralBpe(): BpeModel {
  tables ??= buildTables();
  const t = tables;
  return {
    encode: (piece) => runMerges(t, initialIds(t, piece)),
    count: (piece) => runMerges(t, initialIds(t, piece)).length,
    longestToken: t.longestToken,
  };
}
