import type { AnyValue, KeyValue } from '../../otlp/types.ts';

// Series identity is a 53-bit number built from two independent 32-bit lanes (an FNV-1a lane and
// a murmur-style lane), so a series key is a plain JS number: no string is built per point.
// Each key/value pair is hashed on its own and the pair hashes are summed, which makes the set
// hash independent of attribute order. Collisions are possible (about n²/2^54: 5e-5 for one
// million series); two colliding series share one tracking slot, see README.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MURMUR_SEED = 0x9747b28c;
const MURMUR_M = 0x5bd1e995;
const TAG_STRING = 1;
const TAG_BOOL = 2;
const TAG_INT = 3;
const TAG_DOUBLE = 4;
const TAG_ARRAY = 5;
const TAG_KVLIST = 6;
const TAG_BYTES = 7;
const TAG_EMPTY = 8;
const KEY_VALUE_SEPARATOR = 0xffff;

export function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Combines two 32-bit lanes into one exact JS number below 2^53. */
export function key53(a: number, b: number): number {
  return (b & 0x1fffff) * 4294967296 + (a >>> 0);
}

const doubleView = new Float64Array(1);
const doubleWords = new Uint32Array(doubleView.buffer);

/** Stateful hasher: results land in `a` and `b` so no result object is allocated per call. */
export class AttributeHasher {
  a = 0;
  b = 0;
  #laneA = 0;
  #laneB = 0;

  /** Order-independent hash of an attribute set into `a`/`b`. */
  hashAttributes(attributes: KeyValue[]): void {
    let sumA = 0;
    let sumB = 0;
    const n = attributes.length;
    for (let i = 0; i < n; i++) {
      const kv = attributes[i];
      const key = kv.key;
      let a = FNV_OFFSET;
      let b = MURMUR_SEED;
      // Key, separator and string values inline: the common case stays in registers.
      for (let c = 0; c < key.length; c++) {
        const code = key.charCodeAt(c);
        a = Math.imul(a ^ code, FNV_PRIME);
        b = Math.imul(b ^ code, MURMUR_M);
        b ^= b >>> 13;
      }
      const text = kv.value.stringValue;
      if (text !== undefined) {
        a = Math.imul(a ^ KEY_VALUE_SEPARATOR, FNV_PRIME);
        b = Math.imul(b ^ TAG_STRING, MURMUR_M);
        for (let c = 0; c < text.length; c++) {
          const code = text.charCodeAt(c);
          a = Math.imul(a ^ code, FNV_PRIME);
          b = Math.imul(b ^ code, MURMUR_M);
          b ^= b >>> 13;
        }
      } else {
        this.#laneA = a;
        this.#laneB = b;
        this.#word(KEY_VALUE_SEPARATOR);
        this.#value(kv.value);
        a = this.#laneA;
        b = this.#laneB;
      }
      sumA = (sumA + fmix32(a)) | 0;
      sumB = (sumB + fmix32(b ^ MURMUR_M)) | 0;
    }
    this.a = fmix32(sumA ^ n);
    this.b = fmix32(sumB + Math.imul(n, FNV_PRIME));
  }

  /** Hash of one value alone (lane A), for distinct-value sketches. */
  hashValue(value: AnyValue): number {
    this.#laneA = FNV_OFFSET;
    this.#laneB = MURMUR_SEED;
    this.#value(value);
    return fmix32(this.#laneA);
  }

  /** Order-dependent hash of a few strings and numbers (stream identity parts). */
  begin(): void {
    this.#laneA = FNV_OFFSET;
    this.#laneB = MURMUR_SEED;
  }
  addString(text: string): void {
    this.#string(text);
    this.#word(KEY_VALUE_SEPARATOR);
  }
  addWord(word: number): void {
    this.#word(word);
  }
  finish(): number {
    return key53(fmix32(this.#laneA), fmix32(this.#laneB ^ MURMUR_M));
  }

  #word(word: number): void {
    let a = this.#laneA;
    let b = this.#laneB;
    a = Math.imul(a ^ (word & 0xffff), FNV_PRIME);
    a = Math.imul(a ^ (word >>> 16), FNV_PRIME);
    b = Math.imul(b ^ word, MURMUR_M);
    b ^= b >>> 13;
    this.#laneA = a;
    this.#laneB = b;
  }

  #string(text: string): void {
    let a = this.#laneA;
    let b = this.#laneB;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b ^ c, MURMUR_M);
      b ^= b >>> 13;
    }
    this.#laneA = a;
    this.#laneB = b;
  }

  #value(value: AnyValue): void {
    if (value.stringValue !== undefined) {
      this.#word(TAG_STRING);
      this.#string(value.stringValue);
    } else if (value.boolValue !== undefined) {
      this.#word(TAG_BOOL);
      this.#word(value.boolValue ? 1 : 0);
    } else if (value.intValue !== undefined) {
      this.#word(TAG_INT);
      const n = Number(value.intValue);
      if (Number.isSafeInteger(n)) this.#double(n);
      else this.#string(value.intValue.toString());
    } else if (value.doubleValue !== undefined) {
      this.#word(TAG_DOUBLE);
      this.#double(value.doubleValue);
    } else if (value.arrayValue !== undefined) {
      const values = value.arrayValue.values;
      this.#word(TAG_ARRAY);
      this.#word(values.length);
      for (let i = 0; i < values.length; i++) this.#value(values[i]);
    } else if (value.kvlistValue !== undefined) {
      const values = value.kvlistValue.values;
      this.#word(TAG_KVLIST);
      this.#word(values.length);
      for (let i = 0; i < values.length; i++) {
        this.#string(values[i].key);
        this.#word(KEY_VALUE_SEPARATOR);
        this.#value(values[i].value);
      }
    } else if (value.bytesValue !== undefined) {
      const bytes = value.bytesValue;
      this.#word(TAG_BYTES);
      for (let i = 0; i < bytes.length; i++) this.#word(bytes[i]);
    } else {
      this.#word(TAG_EMPTY);
    }
  }

  #double(n: number): void {
    doubleView[0] = n;
    this.#word(doubleWords[0]);
    this.#word(doubleWords[1]);
  }
}
