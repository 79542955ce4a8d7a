import { isUtf8 } from 'node:buffer';
import { OtlpDecodeError } from '../errors.ts';
import type { Signal } from '../types.ts';
import { ProtoReader } from './reader.ts';
import { TAG } from './schema.ts';
import {
  CHECK_ID16,
  CHECK_ID8,
  CHECK_STRING,
  GENERIC,
  ID16,
  ID8,
  LOGS_REQUEST,
  MESSAGE,
  METRICS_REQUEST,
  PACKED,
  SCAN_KEY_VALUE,
  SCAN_MESSAGE,
  SKIP_FIXED32,
  SKIP_FIXED64,
  SKIP_LEN,
  SKIP_VARINT,
  STRING,
  TRACES_REQUEST,
  type ScanSchema,
} from './scan-schema.ts';

const MAX_DEPTH = 80;
const KEY = TAG.KeyValue.key;
const VALUE = TAG.KeyValue.value;
const STRING_VALUE = TAG.AnyValue.stringValue;

/**
 * Validates a request's structure without building objects, and returns its item count (spans,
 * metric data points, or log records). It checks every tag, wire type and length, the size of
 * every trace/span id, and that every string is UTF-8, so bytes it accepts also decode.
 */
export function scanRequest(signal: Signal, bytes: Uint8Array): number {
  const schema = signal === 'traces' ? TRACES_REQUEST : signal === 'metrics' ? METRICS_REQUEST : LOGS_REQUEST;
  const scanner = new Scanner(bytes);
  scanner.scan(schema, 0, bytes.length, 0);
  return scanner.items;
}

/**
 * Every receiver runs this on every protobuf request, so the common case is kept in locals: a
 * one-byte tag picks its action from the schema's table, and a one-byte length is read inline.
 * Everything else goes through ProtoReader in `generic`, which also words the errors.
 */
class Scanner {
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly r: ProtoReader;
  items = 0;

  constructor(bytes: Uint8Array) {
    this.u8 = bytes;
    this.r = new ProtoReader(bytes);
    this.view = this.r.view;
  }

  scan(s: ScanSchema, pos: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) fail(pos, `${s.name} nested deeper than ${MAX_DEPTH}`);
    const u8 = this.u8;
    const actions = s.action;
    while (pos < end) {
      const tag = u8[pos];
      const action = tag < 0x80 ? actions[tag] : GENERIC;
      if (action === GENERIC) {
        pos = this.generic(s, pos, end, depth);
        continue;
      }
      pos++;
      if (action === SKIP_VARINT) {
        const limit = end - pos > 10 ? pos + 10 : end;
        let i = pos;
        while (i < limit && u8[i] >= 0x80) i++;
        if (i === limit) fail(i, i === pos + 10 ? 'varint longer than 10 bytes' : 'truncated varint');
        pos = i + 1;
        continue;
      }
      if (action === SKIP_FIXED64 || action === SKIP_FIXED32) {
        const size = action === SKIP_FIXED64 ? 8 : 4;
        if (end - pos < size) fail(pos, `truncated fixed${size * 8}`);
        pos += size;
        continue;
      }
      // Length-delimited.
      let n: number;
      if (pos < end && u8[pos] < 0x80) {
        n = u8[pos++];
        // Named at the length byte, as ProtoReader.length names it on the generic path.
        if (n > end - pos) fail(pos - 1, `length ${n} runs past the end of its message`);
      } else {
        const r = this.r;
        r.pos = pos;
        n = r.length(end);
        pos = r.pos;
      }
      const stop = pos + n;
      switch (action) {
        case SKIP_LEN:
          break;
        case CHECK_STRING:
          this.utf8(pos, stop, s.fieldName[tag >>> 3]);
          break;
        case CHECK_ID16:
        case CHECK_ID8: {
          const want = action === CHECK_ID16 ? 16 : 8;
          if (n !== 0 && n !== want) this.badId(s, s.fieldName[tag >>> 3], n, want, pos);
          break;
        }
        case SCAN_KEY_VALUE: {
          if (!this.stringKeyValue(pos, stop)) this.scan(s.child[tag >>> 3]!, pos, stop, depth + 1);
          break;
        }
        case SCAN_MESSAGE: {
          const child = s.child[tag >>> 3]!;
          if (child.isItem) this.items++;
          this.scan(child, pos, stop, depth + 1);
        }
      }
      pos = stop;
    }
  }

  /** One field the table does not cover: a two-byte tag, an unknown field, a wrong wire type. */
  private generic(s: ScanSchema, pos: number, end: number, depth: number): number {
    const r = this.r;
    r.pos = pos;
    const t = r.tag(end);
    const field = t >>> 3;
    const wire = t & 7;
    const want = field < 32 ? s.wire[field] : -1;
    const kind = want < 0 ? -1 : s.kind[field];
    if (want < 0 || (wire !== want && kind === PACKED && wire === s.alt[field])) {
      r.skip(t, end);
      return r.pos;
    }
    if (wire !== want) r.fail(`${s.name} field ${field} has wrong wire type ${wire}`);
    if (kind !== MESSAGE && kind !== STRING && kind !== ID16 && kind !== ID8) {
      r.skip(t, end);
      return r.pos;
    }
    const n = r.length(end);
    const start = r.pos;
    const stop = start + n;
    if (kind === MESSAGE) {
      const child = s.child[field]!;
      if (child.isItem) this.items++;
      this.scan(child, start, stop, depth + 1);
    } else if (kind === STRING) {
      this.utf8(start, stop, s.fieldName[field]);
    } else {
      const want = kind === ID16 ? 16 : 8;
      if (n !== 0 && n !== want) this.badId(s, s.fieldName[field], n, want, start);
    }
    return stop;
  }

  private utf8(start: number, stop: number, what: string): void {
    // Only non-ASCII strings pay for the native check.
    if (!this.ascii(start, stop) && !isUtf8(this.u8.subarray(start, stop))) fail(start, `invalid UTF-8 in ${what}`);
  }

  /** OR-ing the bytes is branch-free, and four at a time where the string is long enough. */
  private ascii(start: number, stop: number): boolean {
    let bits = 0;
    let i = start;
    if (stop - start >= 8) {
      const view = this.view;
      for (; i + 4 <= stop; i += 4) bits |= view.getUint32(i, true);
    }
    const u8 = this.u8;
    for (; i < stop; i++) bits |= u8[i];
    return (bits & 0x80808080) === 0;
  }

  /**
   * Most attributes are exactly {key, value: {string_value}}, both ASCII, every length one byte:
   * checked here without recursion. Any other shape returns false, and the generic scan checks
   * it (and names a bad string).
   */
  private stringKeyValue(pos: number, end: number): boolean {
    const u8 = this.u8;
    if (u8[pos] !== KEY) return false;
    const keyLength = u8[pos + 1];
    if (keyLength >= 0x80) return false;
    const keyStart = pos + 2;
    const keyStop = keyStart + keyLength;
    // {value: {string_value}} needs four header bytes after the key.
    if (keyStop + 4 > end || u8[keyStop] !== VALUE || u8[keyStop + 2] !== STRING_VALUE) return false;
    const anyLength = u8[keyStop + 1];
    const valueLength = u8[keyStop + 3];
    if (anyLength >= 0x80 || valueLength >= 0x80) return false;
    const valueStart = keyStop + 4;
    if (keyStop + 2 + anyLength !== end || valueStart + valueLength !== end) return false;
    return this.ascii(keyStart, keyStop) && this.ascii(valueStart, end);
  }

  private badId(s: ScanSchema, what: string, n: number, want: number, pos: number): never {
    const where = s.isItem ? `${s.name} ${this.items - 1}` : `item ${this.items - 1} (${s.name})`;
    throw new OtlpDecodeError(`${where}: ${what} has ${n} bytes, want ${want} (near byte ${pos})`);
  }
}

function fail(pos: number, what: string): never {
  throw new OtlpDecodeError(`${what} at byte ${pos}`);
}
