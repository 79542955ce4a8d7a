import type { AnyValue, KeyValue } from '../../otlp/types.ts';
import type { ResourceGroup, SpanGroup } from './output.ts';
import type { SpanFacts } from './span-facts.ts';

// The dynamic-sampling key of a trace, built from its root span. Pseudo-fields read the span
// itself; any other name is an attribute of the root span, then of its resource.

const SERVICE = 0;
const NAME = 1;
const STATUS = 2;
const KIND = 3;
const ATTRIBUTE = 4;

const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];
const NO_ROOT = '(no root)';
const MAX_KNOWN = 4096;
/** Entries of the by-bytes cache (direct-mapped: a colliding key replaces the entry). */
const BY_BYTES = 1024;

export class SamplingKeyBuilder {
  readonly #kinds: number[];
  readonly #names: string[];
  /** SpanFacts watch slot per ATTRIBUTE field, -1 for the others. */
  readonly #slots: number[];
  /**
   * Keys built recently, each held once: a pending trace keeps its key until decided, and a
   * concatenated key per trace (a chain of cons strings) was promoted with every buffered trace.
   */
  #known = new Map<string, string>();
  /**
   * Keys by what they are built from, as bytes: the root span's name, status and kind and the
   * raw values of attribute fields, with the resource group (for service.name and resource
   * attributes) compared by identity. A hit builds no string: the key was a name decoded, a
   * concatenation and its flattening for every trace.
   */
  readonly #printHash = new Int32Array(BY_BYTES);
  readonly #printBytes: Array<Uint8Array | null> = new Array<Uint8Array | null>(BY_BYTES).fill(null);
  readonly #printResource: Array<ResourceGroup | null> = new Array<ResourceGroup | null>(BY_BYTES).fill(null);
  readonly #printKey: string[] = new Array<string>(BY_BYTES).fill('');
  #print = new Uint8Array(256);
  #printLength = 0;

  /** Adds the attribute fields to the watch list of `facts`. */
  constructor(fields: readonly string[], facts: SpanFacts) {
    this.#kinds = [];
    this.#names = [];
    this.#slots = [];
    for (const f of fields) {
      this.#names.push(f);
      const kind =
        f === 'service.name' ? SERVICE : f === 'span.name' ? NAME : f === 'status' ? STATUS : f === 'span.kind' ? KIND : ATTRIBUTE;
      this.#kinds.push(kind);
      this.#slots.push(kind === ATTRIBUTE ? facts.watch(f) : -1);
    }
  }

  /** The key of the root span `root` last read; `root` is null for a trace decided without one. */
  keyOf(root: SpanFacts | null, group: SpanGroup): string {
    if (root === null) return this.#intern(this.#build(null, group));
    const hash = this.#fingerprint(root);
    const at = hash & (BY_BYTES - 1);
    const known = this.#printBytes[at];
    if (known !== null && this.#printHash[at] === hash && this.#printResource[at] === group.resource && sameBytes(known, this.#print, this.#printLength)) {
      return this.#printKey[at];
    }
    const key = this.#intern(this.#build(root, group));
    this.#printHash[at] = hash;
    this.#printBytes[at] = this.#print.slice(0, this.#printLength);
    this.#printResource[at] = group.resource;
    this.#printKey[at] = key;
    return key;
  }

  #intern(key: string): string {
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    // Bounded like KeyRates' max_keys in spirit: few keys in practice, but none is capped.
    if (this.#known.size >= MAX_KNOWN) this.#known = new Map();
    this.#known.set(key, key);
    return key;
  }

  /** Writes the root span's part of its key into #print as bytes; returns their hash. */
  #fingerprint(root: SpanFacts): number {
    let n = 0;
    const u8 = root.r.u8;
    for (let i = 0; i < this.#kinds.length; i++) {
      let start = 0;
      let end = 0;
      switch (this.#kinds[i]) {
        case SERVICE:
          continue;
        case NAME:
          start = root.nameStart;
          end = root.nameEnd;
          break;
        case STATUS:
          n = this.#putNumber(n, root.statusCode);
          continue;
        case KIND:
          n = this.#putNumber(n, root.kind);
          continue;
        default:
          start = root.valueStart(this.#slots[i]);
          if (start < 0) {
            n = this.#putNumber(n, -1); // absent: the resource's value, fixed by the group
            continue;
          }
          end = root.valueEnd(this.#slots[i]);
      }
      n = this.#putNumber(n, end - start);
      if (n + end - start > this.#print.length) this.#growPrint(n + end - start);
      const print = this.#print;
      for (let j = start; j < end; j++) print[n++] = u8[j];
    }
    this.#printLength = n;
    let h = 0x811c9dc5;
    const print = this.#print;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ print[j], 0x01000193);
    return h;
  }

  #putNumber(n: number, v: number): number {
    if (n + 4 > this.#print.length) this.#growPrint(n + 4);
    const print = this.#print;
    print[n] = v >>> 24;
    print[n + 1] = v >>> 16;
    print[n + 2] = v >>> 8;
    print[n + 3] = v;
    return n + 4;
  }

  #growPrint(size: number): void {
    const grown = new Uint8Array(Math.max(size, 2 * this.#print.length));
    grown.set(this.#print);
    this.#print = grown;
  }

  #build(root: SpanFacts | null, group: SpanGroup): string {
    let key = '';
    for (let i = 0; i < this.#kinds.length; i++) {
      if (i > 0) key += '|';
      switch (this.#kinds[i]) {
        case SERVICE:
          key += group.serviceName;
          break;
        case NAME:
          key += root === null ? NO_ROOT : root.name();
          break;
        case STATUS:
          key += root === null ? '' : STATUS_NAMES[root.statusCode] ?? '';
          break;
        case KIND:
          key += root === null ? '' : String(root.kind);
          break;
        default: {
          const value = root === null ? undefined : root.value(this.#slots[i]);
          key += value !== undefined ? valueText(value) : resourceText(this.#names[i], group.resourceAttributes);
        }
      }
    }
    return key;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function resourceText(name: string, resourceAttrs: readonly KeyValue[]): string {
  for (let i = 0; i < resourceAttrs.length; i++) if (resourceAttrs[i].key === name) return valueText(resourceAttrs[i].value);
  return '';
}

function valueText(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return v.boolValue ? 'true' : 'false';
  return '';
}
