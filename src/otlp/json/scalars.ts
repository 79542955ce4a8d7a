// Proto3 JSON scalar rules as OTLP/JSON uses them: 64-bit integers as decimal strings (numbers
// accepted), enums as integers (names accepted), trace/span ids as hex, other bytes as base64,
// non-finite doubles as "NaN" / "Infinity" / "-Infinity". null means "use the default".
import { OtlpDecodeError } from '../errors.ts';
import { EMPTY_BYTES } from '../proto/reader.ts';

export type Json = Record<string, unknown>;

export function bad(path: string, what: string): never {
  throw new OtlpDecodeError(`${path}: ${what}`);
}

/** A field by its lowerCamelCase name, or by its original proto (snake_case) name. */
export function field(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  const s = o[snake];
  return s === null ? undefined : s;
}

export function object(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'want an object');
  return v as Json;
}

export function optionalObject(v: unknown, path: string): Json | undefined {
  return v === undefined ? undefined : object(v, path);
}

export function array(v: unknown, path: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(path, 'want an array');
  return v;
}

export function string(v: unknown, path: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') bad(path, 'want a string');
  return v;
}

export function bool(v: unknown, path: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') bad(path, 'want true or false');
  return v;
}

const INTEGER = /^-?\d+$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function integer(v: unknown, path: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) bad(path, `want an integer, got ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string' && INTEGER.test(v)) return BigInt(v);
  return bad(path, 'want an integer or a decimal string');
}

export function int64(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  const n = integer(v, path);
  if (n < INT64_MIN || n > INT64_MAX) bad(path, `integer ${String(v)} out of 64-bit range`);
  return n;
}

export function uint64(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  const n = integer(v, path);
  if (n < 0n || n > UINT64_MAX) bad(path, `integer ${String(v)} out of unsigned 64-bit range`);
  return n;
}

export function int32(v: unknown, path: string): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && INTEGER.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    bad(path, 'want a 32-bit integer');
  }
  return n;
}

export function uint32(v: unknown, path: string): number {
  const n = int32(v, path);
  if (n < 0) bad(path, 'want an unsigned integer');
  return n;
}

/** An enum given as its number or its name. */
export function enumValue(v: unknown, path: string, names: Readonly<Record<string, number>>): number {
  if (typeof v === 'string' && !INTEGER.test(v)) {
    const n = names[v];
    if (n === undefined) bad(path, `unknown enum value "${v}"`);
    return n;
  }
  return int32(v, path);
}

export function double(v: unknown, path: string): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return bad(path, 'want a number');
}

export function optionalDouble(v: unknown, path: string): number | undefined {
  return v === undefined ? undefined : double(v, path);
}

const HEX = /^[0-9a-fA-F]*$/;

/** Trace and span ids: hex in OTLP/JSON (not base64, unlike other bytes fields). */
export function hexId(v: unknown, path: string, size: number): Uint8Array {
  if (v === undefined || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || !HEX.test(v)) bad(path, 'want a hex string');
  if (v.length !== size * 2) bad(path, `hex id has ${v.length} digits, want ${size * 2}`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(v.substr(i * 2, 2), 16);
  return out;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function base64(v: unknown, path: string): Uint8Array {
  if (v === undefined || v === '') return EMPTY_BYTES;
  if (typeof v !== 'string' || !BASE64.test(v)) bad(path, 'want a base64 string');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

// ---- output ----

const HEX_DIGITS = '0123456789abcdef';

export function toHex(id: Uint8Array): string {
  let s = '';
  for (let i = 0; i < id.length; i++) s += HEX_DIGITS[id[i] >> 4] + HEX_DIGITS[id[i] & 15];
  return s;
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Numbers stay numbers; non-finite values become the proto3 JSON strings. */
export function jsonDouble(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

export const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

export const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

export const SEVERITY_NAMES: Readonly<Record<string, number>> = (() => {
  const names: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  for (let l = 0; l < levels.length; l++) {
    names[`SEVERITY_NUMBER_${levels[l]}`] = l * 4 + 1;
    for (let k = 2; k <= 4; k++) names[`SEVERITY_NUMBER_${levels[l]}${k}`] = l * 4 + k;
  }
  return names;
})();
