/**
 * Counts per text piece, looked up by position in the source string so a hit allocates nothing: slicing a
 * substring and hashing it through a Map costs more than the whole scan. Open addressing on a caller-computed
 * FNV-1a hash, confirmed by comparing the characters, which are copied into a pool: keeping substrings as keys would
 * pin every document they were cut from in memory. A slot's fields sit side by side so a probe touches one cache
 * line. When full it starts over, cheaper than LRU bookkeeping on every hit; word frequencies make the hot pieces
 * come back at once.
 */

/** FNV-1a step; callers fold each UTF-16 unit of a piece into the hash with it. */
export const hashStep = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);
export const HASH_SEED = 0x811c9dc5 | 0;

/** Slot layout in `slots`: hash, pool offset + 1 (0 = empty), length, value. */
const FIELDS = 4;

export class PieceCache {
  private readonly slots: Int32Array;
  private readonly pool: Uint16Array;
  private poolUsed = 0;
  private entries = 0;
  private readonly mask: number;

  constructor(
    private readonly maxPieceLength: number,
    slotCount = 1 << 17,
  ) {
    this.mask = slotCount - 1;
    this.slots = new Int32Array(slotCount * FIELDS);
    this.pool = new Uint16Array((slotCount >> 1) * Math.min(maxPieceLength, 12));
  }

  /** The count of `source[start, end)`, whose hash is `hash`; -1 when not cached. */
  get(source: string, start: number, end: number, hash: number): number {
    const len = end - start;
    const slots = this.slots;
    for (let slot = (hash ^ (hash >>> 15)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const base = slot * FIELDS;
      const at = (slots[base + 1] as number) - 1;
      if (at < 0) return -1;
      if (slots[base] !== hash || slots[base + 2] !== len) continue;
      let k = 0;
      while (k < len && this.pool[at + k] === source.charCodeAt(start + k)) k++;
      if (k === len) return slots[base + 3] as number;
    }
  }

  set(source: string, start: number, end: number, hash: number, value: number): void {
    const len = end - start;
    if (len > this.maxPieceLength) return;
    if (this.entries >= this.mask >> 1 || this.poolUsed + len > this.pool.length) this.clear();
    let slot = (hash ^ (hash >>> 15)) & this.mask;
    while ((this.slots[slot * FIELDS + 1] as number) !== 0) slot = (slot + 1) & this.mask;
    for (let k = 0; k < len; k++) this.pool[this.poolUsed + k] = source.charCodeAt(start + k);
    const base = slot * FIELDS;
    this.slots[base] = hash;
    this.slots[base + 1] = this.poolUsed + 1;
    this.slots[base + 2] = len;
    this.slots[base + 3] = value;
    this.poolUsed += len;
    this.entries++;
  }

  private clear(): void {
    this.slots.fill(0);
    this.poolUsed = 0;
    this.entries = 0;
  }
}
