/**
 * Values keyed by the content of a range text[from, to), looked up in place: the range is hashed
 * and compared from its character codes, so a line whose key is already known costs no substring.
 * The parsers keep what repeats from line to line here (process names, cgroups, decoded addresses):
 * 100,000 lines of a few services would otherwise cut 100,000 short strings only to find the one
 * they already have.
 *
 * Bounded: at most `limit` keys are kept (later ones are not), and a lookup probes at most PROBES
 * slots, so crafted colliding keys cost a few comparisons each, never a scan of the table.
 */
export class RangeTable<V> {
  private keys: string[] = [];
  private values: (V | null)[] = [];
  private hashes = new Int32Array(0);
  private mask = 0;
  private size = 0;

  /** Holds up to `limit` keys; it starts small and grows with them, so a table of a few keys stays a few slots. */
  constructor(private readonly limit: number) {
    this.resize(16);
  }

  /** The value kept for the content of text[from, to), or null. */
  get(text: string, from: number, to: number): V | null {
    const hash = hashRange(text, from, to);
    const length = to - from;
    for (let probe = 0, slot = hash & this.mask; probe < PROBES; probe++, slot = (slot + 1) & this.mask) {
      const value = this.values[slot]!;
      if (value === null) return null;
      if (this.hashes[slot] !== hash) continue;
      const key = this.keys[slot]!;
      if (key.length === length && sameText(key, text, from, length)) return value;
    }
    return null;
  }

  /** Keeps `value` for the content `key`, unless the table is full or the key's slots are taken. */
  set(key: string, value: V): void {
    if (this.size >= this.limit) return;
    // At most half full, so that most keys sit in their first slot.
    if (this.size * 2 >= this.keys.length) this.resize(this.keys.length * 2);
    if (this.put(key, hashRange(key, 0, key.length), value)) this.size++;
  }

  private put(key: string, hash: number, value: V): boolean {
    for (let probe = 0, slot = hash & this.mask; probe < PROBES; probe++, slot = (slot + 1) & this.mask) {
      if (this.values[slot] !== null) continue;
      this.keys[slot] = key;
      this.values[slot] = value;
      this.hashes[slot] = hash;
      return true;
    }
    return false;
  }

  private resize(capacity: number): void {
    const { keys, values, hashes } = this;
    this.keys = new Array<string>(capacity).fill('');
    this.values = new Array<V | null>(capacity).fill(null);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    // A key whose slots are all taken in the larger table is dropped, as set() drops it.
    let size = 0;
    for (let slot = 0; slot < keys.length; slot++) {
      const value = values[slot]!;
      if (value !== null && this.put(keys[slot]!, hashes[slot]!, value)) size++;
    }
    this.size = size;
  }
}

const PROBES = 8;

/** The content of text[from, to) as a string, kept once in `table`: the same string for every range of that content. */
export function internRange(table: RangeTable<string>, text: string, from: number, to: number): string {
  const known = table.get(text, from, to);
  if (known !== null) return known;
  const copy = text.slice(from, to);
  table.set(copy, copy);
  return copy;
}

/** FNV-1a over the UTF-16 code units of text[from, to). */
function hashRange(text: string, from: number, to: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

function sameText(key: string, text: string, from: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (key.charCodeAt(k) !== text.charCodeAt(from + k)) return false;
  return true;
}
