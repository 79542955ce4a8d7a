import type { ProtoReader } from './reader.ts';
import { TAG } from './schema.ts';

const KEY = TAG.KeyValue.key;
const VALUE = TAG.KeyValue.value;

/**
 * Where one KeyValue's key and value lie in a reader's buffer, found without decoding either, for
 * scanners that look up a few attribute keys on bytes (the sampler's span facts, span metrics).
 * One instance is reused for every attribute; `read` overwrites it.
 */
export class KeyValueLocation {
  keyStart = -1;
  keyLength = 0;
  /** -1 when the KeyValue has no value (it then reads as an empty AnyValue). */
  valueStart = -1;
  valueEnd = -1;

  /** Reads the KeyValue message at r.pos up to `end`; leaves r.pos at `end`. */
  read(r: ProtoReader, end: number): void {
    this.keyStart = -1;
    this.keyLength = 0;
    this.valueStart = -1;
    this.valueEnd = -1;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === KEY) {
        this.keyLength = r.length(end);
        this.keyStart = r.pos;
        r.pos += this.keyLength;
      } else if (t === VALUE) {
        this.valueEnd = r.sub(end);
        this.valueStart = r.pos;
        r.pos = this.valueEnd;
      } else {
        r.skip(t, end);
      }
    }
  }

  /** Whether the key's bytes equal `key`. */
  keyIs(u8: Uint8Array, key: Uint8Array): boolean {
    if (this.keyStart < 0 || key.length !== this.keyLength) return false;
    const start = this.keyStart;
    for (let i = 0; i < key.length; i++) if (u8[start + i] !== key[i]) return false;
    return true;
  }
}
