import type { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import { MAX_DEPTH } from './attribute-walker.ts';
import { MatchBuffer } from './detectors/match-buffer.ts';
import type { ValueScanner } from './detectors/scanner.ts';
import { KEY_ALLOWED, KEY_BLOCKED, KEY_LISTED, type KeyRules } from './key-rules.ts';
import type { StringRedactor } from './string-redactor.ts';
import { VerdictCache } from './verdict-cache.ts';

// Whether redaction would change an encoded value, judged on its bytes and counting nothing. The
// byte paths (trace-bytes.ts, record-bytes.ts) ask before they hand anything to the object path:
// a value with nothing to redact costs this scan and nothing else. Each test follows
// AttributeWalker's rules (key rules, nesting limit, oversize, one scan per string), so that a
// "no" here is a "no" there.

const KV_KEY = TAG.KeyValue.key;
const KV_VALUE = TAG.KeyValue.value;
const ANY_STRING = TAG.AnyValue.stringValue;
const ANY_ARRAY = TAG.AnyValue.arrayValue;
const ANY_KVLIST = TAG.AnyValue.kvlistValue;
// ArrayValue.values and KeyValueList.values are both field 1.
const LIST_VALUES = TAG.ArrayValue.values;
const KEY_SLOTS = 1024;

export class ChangeProbe {
  /** Attribute keys by their bytes, with their key-rule class (the byte walks share it). */
  readonly keys: KeyCache;
  readonly #rules: KeyRules | null;
  readonly #strings: StringRedactor;
  readonly #scanner: ValueScanner;
  readonly #maxValueLength: number;
  readonly #matches: MatchBuffer;
  /** Top-level KeyValues found clean (resource, log record, data point, event and link attributes repeat from request to request). */
  readonly #clean: VerdictCache;

  constructor(rules: KeyRules | null, strings: StringRedactor) {
    this.keys = new KeyCache(rules);
    this.#rules = rules;
    this.#strings = strings;
    this.#scanner = strings.options.scanner;
    this.#maxValueLength = strings.options.maxValueLength;
    this.#matches = new MatchBuffer();
    this.#clean = new VerdictCache();
  }

  /**
   * One KeyValue of a list at `depth` (0: top level), as AttributeWalker walks it; leaves the reader
   * at `end`. A top-level one already found clean is known by its bytes, without a scan.
   */
  keyValue(r: ProtoReader, end: number, depth: number): boolean {
    if (depth !== 0) return this.#keyValue(r, end, depth);
    const start = r.pos;
    const clean = this.#clean;
    if (clean.find(r.view, start, end)) {
      r.pos = end;
      return false;
    }
    const changed = this.#keyValue(r, end, 0);
    if (!changed && clean.slot >= 0) clean.add(r.view, start, end, null, 0, null);
    return changed;
  }

  #keyValue(r: ProtoReader, end: number, depth: number): boolean {
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === KV_KEY) {
        keyEnd = r.sub(end);
        keyStart = r.pos;
        r.pos = keyEnd;
      } else if (t === KV_VALUE) {
        valueEnd = r.sub(end);
        valueStart = r.pos;
        r.pos = valueEnd;
      } else r.skip(t, end);
    }
    const key = this.keys.get(r.u8, keyStart, keyEnd, r);
    const rules = this.#rules;
    if (rules !== null) {
      const bits = this.keys.bits;
      if ((bits & KEY_ALLOWED) !== 0) return false;
      if (depth === 0 && rules.allowOnly && (bits & KEY_LISTED) === 0) return true;
      if ((bits & KEY_BLOCKED) !== 0) return true;
    }
    if (valueStart < 0) return false;
    r.pos = valueStart;
    const changed = this.value(r, valueEnd, key, depth + 1);
    r.pos = end;
    return changed;
  }

  /** One AnyValue under `key` at `depth` (1: an attribute's value or a log body); leaves the reader at `end`. */
  value(r: ProtoReader, end: number, key: string, depth: number): boolean {
    let changed = false;
    // Each field is judged on its own: a later field of the oneof wins, as in the decoder.
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === ANY_STRING) {
        const stop = r.sub(end);
        changed = this.string(r, r.pos, stop, key);
        r.pos = stop;
      } else if (t === ANY_ARRAY || t === ANY_KVLIST) {
        const stop = r.sub(end);
        // Deeper containers are replaced whole by the walker (nesting_limit).
        changed = depth > MAX_DEPTH || this.#container(r, stop, t === ANY_KVLIST, key, depth);
        r.pos = stop;
      } else {
        r.skip(t, end);
        changed = false;
      }
    }
    return changed;
  }

  /** Whether the string r.u8[start, end) would change under `key`: scanned on its bytes when ASCII. */
  string(r: ProtoReader, start: number, end: number, key: string): boolean {
    const u8 = r.u8;
    if (end - start > this.#maxValueLength) {
      return isAscii(u8, start, end) || this.#strings.wouldChange(r.decodeUtf8(start, end), key);
    }
    const matches = this.#matches;
    matches.clear();
    if (this.#scanner.scanAscii(u8, start, end, key, matches)) return matches.length !== 0;
    return this.#strings.wouldChange(r.decodeUtf8(start, end), key);
  }

  /** Any of the attribute fields tagged `attributesTag` in the message [r.pos, end); leaves the reader at `end`. */
  attributes(r: ProtoReader, end: number, attributesTag: number): boolean {
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === attributesTag) {
        if (this.keyValue(r, r.sub(end), 0)) {
          r.pos = end;
          return true;
        }
      } else r.skip(t, end);
    }
    return false;
  }

  #container(r: ProtoReader, end: number, kvlist: boolean, key: string, depth: number): boolean {
    while (r.pos < end) {
      const t = r.tag(end);
      if (t !== LIST_VALUES) {
        r.skip(t, end);
        continue;
      }
      const stop = r.sub(end);
      if (kvlist ? this.keyValue(r, stop, depth) : this.value(r, stop, key, depth + 1)) return true;
      r.pos = stop;
    }
    return false;
  }
}

export function isAscii(u8: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (u8[i] >= 0x80) return false;
  return true;
}

/**
 * Attribute keys repeat from span to span: each distinct key's string and key-rule class are
 * made once, found again by its bytes, which the cache keeps in one arena. A slot holds the last
 * key that hashed to it. Spans of a request repeat their keys in the same order, so the caller
 * first offers the key at the same index of the previous span (in the same request buffer):
 * a match there costs one compare and no hash.
 */
export class KeyCache {
  /** The class of the key the last get() returned (0 without key rules). */
  bits: number;
  readonly #rules: KeyRules | null;
  readonly #keys: string[];
  readonly #bits: Int32Array;
  /** Each slot's key bytes: arena[at[slot], at[slot] + length[slot]); length -1 for an empty slot. */
  readonly #at: Int32Array;
  readonly #length: Int32Array;
  #arena: Uint8Array;
  #arenaUsed: number;

  constructor(rules: KeyRules | null) {
    this.bits = 0;
    this.#rules = rules;
    this.#keys = new Array<string>(KEY_SLOTS).fill('');
    this.#bits = new Int32Array(KEY_SLOTS);
    this.#at = new Int32Array(KEY_SLOTS);
    this.#length = new Int32Array(KEY_SLOTS).fill(-1);
    this.#arena = new Uint8Array(16 * KEY_SLOTS);
    this.#arenaUsed = 0;
  }

  /** The key u8[start, end), looked up by its bytes; its class is left in `bits`. */
  get(u8: Uint8Array, start: number, end: number, r: ProtoReader): string {
    const slot = slotOf(u8, start, end, KEY_SLOTS);
    const length = end - start;
    if (this.#length[slot] !== length || !sameBytes(this.#arena, this.#at[slot], u8, start, length)) this.#fill(slot, u8, start, end, r);
    this.bits = this.#bits[slot];
    return this.#keys[slot];
  }

  #fill(slot: number, u8: Uint8Array, start: number, end: number, r: ProtoReader): void {
    const length = end - start;
    if (this.#arenaUsed + length > this.#arena.length) {
      // Full: start over (the slots' strings stay valid; their bytes are forgotten).
      this.#length.fill(-1);
      this.#arenaUsed = 0;
      if (length > this.#arena.length) this.#arena = new Uint8Array(length * 2);
    }
    const at = this.#arenaUsed;
    this.#arena.set(u8.subarray(start, end), at);
    this.#arenaUsed += length;
    const key = length === 0 ? '' : r.decodeUtf8(start, end);
    this.#at[slot] = at;
    this.#length[slot] = length;
    this.#keys[slot] = key;
    this.#bits[slot] = this.#rules === null ? 0 : this.#rules.classify(key);
  }
}

function slotOf(u8: Uint8Array, start: number, end: number, slots: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ u8[i], 0x01000193);
  return (hash >>> 0) & (slots - 1);
}

/** Whether a[aStart, aStart + length) and b[bStart, bStart + length) hold the same bytes. */
function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}
