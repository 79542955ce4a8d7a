import { LEN, ProtoReader } from './reader.ts';
import { OTLP_SCHEMA } from './schema.ts';
import { varintSize, writeVarint } from './writer.ts';

// Splits one encoded Export*ServiceRequest into one request per owner (a load-balancing backend,
// a worker), by a key read from the bytes: no span, point or record is decoded. The three signals
// share the layout this relies on: request{1: entry}, entry{1: resource, 2: scope entry},
// scope entry{1: scope, 2: item}, where an item is a Span, a Metric or a LogRecord. Every field
// other than the ones walked is copied verbatim, so each part carries its items' resource and
// scope exactly as they came.

/** Request field 1, entry field 2 and scope-entry field 2 are all length-delimited field 1 or 2. */
const ENTRY_TAG = (1 << 3) | LEN;
const RESOURCE_TAG = (1 << 3) | LEN;
const SCOPE_TAG = (2 << 3) | LEN;
const ITEM_TAG = (2 << 3) | LEN;

/** What decides an item's owner. */
export const RouteBy = {
  /** Bytes of one field of each item (Span.trace_id = 1, LogRecord.trace_id = 9, Metric.name = 1). */
  ItemField: 0,
  /** The resource attribute `service.name`: whole entries move together. */
  Service: 1,
  /** The encoded resource: whole entries move together. */
  Resource: 2,
} as const;
export type RouteBy = (typeof RouteBy)[keyof typeof RouteBy];

export interface PartitionRule {
  by: RouteBy;
  /** For RouteBy.ItemField: the item's field number holding the key. */
  itemField: number;
}

/** Spans or log records by their trace id. */
export function traceIdRule(signal: 'traces' | 'logs'): PartitionRule {
  return { by: RouteBy.ItemField, itemField: signal === 'traces' ? OTLP_SCHEMA.Span.traceId[0] : OTLP_SCHEMA.LogRecord.traceId[0] };
}

/** Metrics by their name. */
export const METRIC_NAME_RULE: PartitionRule = { by: RouteBy.ItemField, itemField: OTLP_SCHEMA.Metric.name[0] };

/** One request per owner; `parts[o]` is undefined when owner o got nothing. */
export interface Partition {
  parts: (Uint8Array | undefined)[];
  /** Items (spans, metrics, log records: the third level) per owner. */
  items: number[];
}

/**
 * Partitions `bytes` (a request that passed the receiver's structural scan) among `owners`
 * owners. `ownerOf` maps a 32-bit key hash to an owner index. Items with an empty key (a log
 * record without a trace id) are spread by their position. When every item has the same owner,
 * that owner's part is `bytes` itself: no copy.
 */
export function partitionRequest(bytes: Uint8Array, rule: PartitionRule, owners: number, ownerOf: (hash: number) => number): Partition {
  const walk = new Walk(bytes, rule, owners, ownerOf);
  walk.run();
  return walk.assemble();
}

/**
 * The walk records the request's shape in flat arrays (allocated per request, not per item):
 * items as start/end/owner, scope entries and entries with their other fields as byte ranges.
 */
class Walk {
  readonly u8: Uint8Array;
  readonly r: ProtoReader;
  readonly rule: PartitionRule;
  readonly owners: number;
  readonly ownerOf: (hash: number) => number;
  // Items: the whole field (tag to end) and its owner.
  itemStart: number[] = [];
  itemEnd: number[] = [];
  itemOwner: number[] = [];
  // Scope entries: their item range and their other fields' byte ranges [rangeFirst, rangeLast).
  scopeFirstItem: number[] = [];
  scopeItemCount: number[] = [];
  scopeRangeFirst: number[] = [];
  scopeRangeLast: number[] = [];
  // Entries: their scope range, other fields' byte ranges, and (resource routing) their owner.
  entryStart: number[] = [];
  entryEnd: number[] = [];
  entryFirstScope: number[] = [];
  entryScopeCount: number[] = [];
  entryRangeFirst: number[] = [];
  entryRangeLast: number[] = [];
  entryOwner: number[] = [];
  entryItems: number[] = [];
  /** start/end pairs of the fields copied verbatim. */
  ranges: number[] = [];
  firstOwner = -1;
  mixed = false;

  constructor(bytes: Uint8Array, rule: PartitionRule, owners: number, ownerOf: (hash: number) => number) {
    this.u8 = bytes;
    this.r = new ProtoReader(bytes);
    this.rule = rule;
    this.owners = owners;
    this.ownerOf = ownerOf;
  }

  #note(owner: number): void {
    if (this.firstOwner < 0) this.firstOwner = owner;
    else if (owner !== this.firstOwner) this.mixed = true;
  }

  run(): void {
    const r = this.r;
    const total = this.u8.length;
    while (r.pos < total) {
      const start = r.pos;
      const t = r.tag(total);
      if (t !== ENTRY_TAG) {
        // The requests have no other field; an unknown one has no owner and is left out.
        r.skip(t, total);
        continue;
      }
      const end = r.sub(total);
      this.#entry(start, r.pos, end);
      r.pos = end;
    }
  }

  #entry(start: number, bodyStart: number, end: number): void {
    const r = this.r;
    const byEntry = this.rule.by !== RouteBy.ItemField;
    this.entryStart.push(start);
    this.entryEnd.push(end);
    this.entryFirstScope.push(this.scopeFirstItem.length);
    // Scope entries' ranges go into the same array while this entry is walked, so its own ranges
    // are collected apart and appended after them.
    const own: number[] = [];
    let resourceStart = -1;
    let resourceEnd = -1;
    let items = 0;
    r.pos = bodyStart;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const t = r.tag(end);
      if (t === SCOPE_TAG) {
        const scopeEnd = r.sub(end);
        items += byEntry ? this.#countItems(r.pos, scopeEnd) : this.#scope(r.pos, scopeEnd);
        r.pos = scopeEnd;
        continue;
      }
      r.skip(t, end);
      if (t === RESOURCE_TAG) {
        resourceStart = fieldStart;
        resourceEnd = r.pos;
      }
      if (own.length > 0 && own[own.length - 1] === fieldStart) own[own.length - 1] = r.pos;
      else own.push(fieldStart, r.pos);
    }
    this.entryRangeFirst.push(this.ranges.length);
    for (let i = 0; i < own.length; i++) this.ranges.push(own[i]);
    this.entryRangeLast.push(this.ranges.length);
    this.entryScopeCount.push(this.scopeFirstItem.length - this.entryFirstScope[this.entryFirstScope.length - 1]);
    this.entryItems.push(items);
    let owner = -1;
    if (byEntry) {
      owner = this.ownerOf(this.rule.by === RouteBy.Service ? this.#serviceHash(resourceStart, resourceEnd) : hashBytes(this.u8, resourceStart < 0 ? 0 : resourceStart, resourceEnd < 0 ? 0 : resourceEnd));
      if (items > 0) this.#note(owner);
    }
    this.entryOwner.push(owner);
  }

  /** Adds a range to the group that began at index `first`; adjacent ones in the group merge. */
  #range(first: number, start: number, end: number): void {
    const ranges = this.ranges;
    const n = ranges.length;
    if (n > first && ranges[n - 1] === start) ranges[n - 1] = end;
    else ranges.push(start, end);
  }

  #countItems(start: number, end: number): number {
    const r = this.r;
    let n = 0;
    r.pos = start;
    while (r.pos < end) {
      const t = r.tag(end);
      if (t === ITEM_TAG) n++;
      r.skip(t, end);
    }
    return n;
  }

  /** Records one scope entry's items with their owners; returns how many. */
  #scope(start: number, end: number): number {
    const r = this.r;
    const u8 = this.u8;
    const keyTag = (this.rule.itemField << 3) | LEN;
    const first = this.itemStart.length;
    this.scopeFirstItem.push(first);
    const rangeFirst = this.ranges.length;
    this.scopeRangeFirst.push(rangeFirst);
    r.pos = start;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const t = r.tag(end);
      if (t !== ITEM_TAG) {
        r.skip(t, end);
        this.#range(rangeFirst, fieldStart, r.pos);
        continue;
      }
      const itemEnd = r.sub(end);
      // The key field, usually the first one (Span.trace_id, Metric.name).
      let keyStart = 0;
      let keyEnd = 0;
      while (r.pos < itemEnd) {
        const ft = r.tag(itemEnd);
        if (ft === keyTag) {
          keyEnd = r.sub(itemEnd);
          keyStart = r.pos;
          break;
        }
        r.skip(ft, itemEnd);
      }
      const index = this.itemStart.length;
      const owner = keyEnd > keyStart ? this.ownerOf(hashBytes(u8, keyStart, keyEnd)) : index % this.owners;
      this.#note(owner);
      this.itemStart.push(fieldStart);
      this.itemEnd.push(itemEnd);
      this.itemOwner.push(owner);
      r.pos = itemEnd;
    }
    this.scopeRangeLast.push(this.ranges.length);
    const count = this.itemStart.length - first;
    this.scopeItemCount.push(count);
    return count;
  }

  /** Hash of the string value of the resource's `service.name`, or of nothing. */
  #serviceHash(start: number, end: number): number {
    if (start < 0) return hashBytes(this.u8, 0, 0);
    const r = this.r;
    const u8 = this.u8;
    r.pos = start;
    r.tag(end);
    const bodyEnd = r.sub(end);
    while (r.pos < bodyEnd) {
      const t = r.tag(bodyEnd);
      if (t !== ((1 << 3) | LEN)) {
        r.skip(t, bodyEnd);
        continue;
      }
      const kvEnd = r.sub(bodyEnd);
      let valueStart = -1;
      let valueEnd = -1;
      let isService = false;
      while (r.pos < kvEnd) {
        const kt = r.tag(kvEnd);
        if (kt === ((1 << 3) | LEN)) {
          const keyEnd = r.sub(kvEnd);
          isService = keyEnd - r.pos === 12 && isServiceName(u8, r.pos);
          r.pos = keyEnd;
        } else if (kt === ((2 << 3) | LEN)) {
          const anyEnd = r.sub(kvEnd);
          while (r.pos < anyEnd) {
            const at = r.tag(anyEnd);
            if (at === ((1 << 3) | LEN)) {
              valueEnd = r.sub(anyEnd);
              valueStart = r.pos;
              r.pos = valueEnd;
            } else r.skip(at, anyEnd);
          }
        } else r.skip(kt, kvEnd);
      }
      r.pos = kvEnd;
      if (isService && valueStart >= 0) return hashBytes(u8, valueStart, valueEnd);
    }
    return hashBytes(u8, 0, 0);
  }

  assemble(): Partition {
    const owners = this.owners;
    const parts: (Uint8Array | undefined)[] = new Array(owners).fill(undefined);
    const items: number[] = new Array(owners).fill(0);
    const byEntry = this.rule.by !== RouteBy.ItemField;
    if (this.firstOwner < 0) return { parts, items };
    if (!this.mixed) {
      parts[this.firstOwner] = this.u8;
      items[this.firstOwner] = byEntry ? sum(this.entryItems) : this.itemStart.length;
      return { parts, items };
    }
    if (byEntry) return this.#assembleEntries(parts, items);
    // Bytes of each (scope entry, owner)'s items, in one pass over the items.
    const scopes = this.scopeFirstItem.length;
    const itemBytes = new Int32Array(scopes * owners);
    const itemCount = new Int32Array(scopes * owners);
    for (let s = 0; s < scopes; s++) {
      const first = this.scopeFirstItem[s];
      const last = first + this.scopeItemCount[s];
      for (let i = first; i < last; i++) {
        const cell = s * owners + this.itemOwner[i];
        itemBytes[cell] += this.itemEnd[i] - this.itemStart[i];
        itemCount[cell]++;
      }
    }
    const scopeBody = new Int32Array(scopes);
    for (let o = 0; o < owners; o++) {
      let size = 0;
      let count = 0;
      for (let e = 0; e < this.entryStart.length; e++) {
        const body = this.#entryBodySize(e, o, itemBytes, itemCount, scopeBody);
        if (body > 0) size += 1 + varintSize(body) + body;
      }
      for (let s = 0; s < scopes; s++) count += itemCount[s * owners + o];
      if (count === 0) continue;
      items[o] = count;
      parts[o] = this.#write(o, size, itemBytes, itemCount, scopeBody);
    }
    return { parts, items };
  }

  /** Body size of entry e for owner o (0 when o has no item in it); fills scopeBody for its scopes. */
  #entryBodySize(e: number, o: number, itemBytes: Int32Array, itemCount: Int32Array, scopeBody: Int32Array): number {
    const owners = this.owners;
    const firstScope = this.entryFirstScope[e];
    const lastScope = firstScope + this.entryScopeCount[e];
    let scopesSize = 0;
    for (let s = firstScope; s < lastScope; s++) {
      const cell = s * owners + o;
      if (itemCount[cell] === 0) {
        scopeBody[s] = 0;
        continue;
      }
      const body = this.#rangesSize(this.scopeRangeFirst[s], this.scopeRangeLast[s]) + itemBytes[cell];
      scopeBody[s] = body;
      scopesSize += 1 + varintSize(body) + body;
    }
    if (scopesSize === 0) return 0;
    return this.#rangesSize(this.entryRangeFirst[e], this.entryRangeLast[e]) + scopesSize;
  }

  #rangesSize(first: number, last: number): number {
    let size = 0;
    for (let i = first; i < last; i += 2) size += this.ranges[i + 1] - this.ranges[i];
    return size;
  }

  #copyRanges(out: Uint8Array, pos: number, first: number, last: number): number {
    const u8 = this.u8;
    for (let i = first; i < last; i += 2) {
      out.set(u8.subarray(this.ranges[i], this.ranges[i + 1]), pos);
      pos += this.ranges[i + 1] - this.ranges[i];
    }
    return pos;
  }

  #write(o: number, size: number, itemBytes: Int32Array, itemCount: Int32Array, scopeBody: Int32Array): Uint8Array {
    const out = new Uint8Array(size);
    const u8 = this.u8;
    let pos = 0;
    for (let e = 0; e < this.entryStart.length; e++) {
      const body = this.#entryBodySize(e, o, itemBytes, itemCount, scopeBody);
      if (body === 0) continue;
      out[pos++] = ENTRY_TAG;
      pos = writeVarint(out, pos, body);
      pos = this.#copyRanges(out, pos, this.entryRangeFirst[e], this.entryRangeLast[e]);
      const firstScope = this.entryFirstScope[e];
      const lastScope = firstScope + this.entryScopeCount[e];
      for (let s = firstScope; s < lastScope; s++) {
        if (scopeBody[s] === 0) continue;
        out[pos++] = SCOPE_TAG;
        pos = writeVarint(out, pos, scopeBody[s]);
        pos = this.#copyRanges(out, pos, this.scopeRangeFirst[s], this.scopeRangeLast[s]);
        const first = this.scopeFirstItem[s];
        const last = first + this.scopeItemCount[s];
        // Adjacent items of one owner (the spans of a trace, usually) are copied as one run.
        let runStart = -1;
        let runEnd = -1;
        for (let i = first; i < last; i++) {
          if (this.itemOwner[i] !== o) continue;
          if (this.itemStart[i] !== runEnd) {
            if (runStart >= 0) {
              out.set(u8.subarray(runStart, runEnd), pos);
              pos += runEnd - runStart;
            }
            runStart = this.itemStart[i];
          }
          runEnd = this.itemEnd[i];
        }
        if (runStart >= 0) {
          out.set(u8.subarray(runStart, runEnd), pos);
          pos += runEnd - runStart;
        }
      }
    }
    if (pos !== size) throw new Error(`partitionRequest bug: wrote ${pos} bytes, sized ${size}`);
    return out;
  }

  /** Whole entries go to their owner: each part is its entries' bytes, copied verbatim. */
  #assembleEntries(parts: (Uint8Array | undefined)[], items: number[]): Partition {
    const sizes = new Array<number>(this.owners).fill(0);
    for (let e = 0; e < this.entryStart.length; e++) {
      if (this.entryItems[e] === 0) continue;
      const o = this.entryOwner[e];
      sizes[o] += this.entryEnd[e] - this.entryStart[e];
      items[o] += this.entryItems[e];
    }
    const positions = new Array<number>(this.owners).fill(0);
    for (let o = 0; o < this.owners; o++) if (sizes[o] > 0) parts[o] = new Uint8Array(sizes[o]);
    for (let e = 0; e < this.entryStart.length; e++) {
      if (this.entryItems[e] === 0) continue;
      const o = this.entryOwner[e];
      parts[o]!.set(this.u8.subarray(this.entryStart[e], this.entryEnd[e]), positions[o]);
      positions[o] += this.entryEnd[e] - this.entryStart[e];
    }
    return { parts, items };
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** "service.name" as bytes. */
const SERVICE_NAME = [0x73, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65, 0x2e, 0x6e, 0x61, 0x6d, 0x65];

function isServiceName(u8: Uint8Array, pos: number): boolean {
  for (let i = 0; i < 12; i++) if (u8[pos + i] !== SERVICE_NAME[i]) return false;
  return true;
}

/**
 * A 32-bit murmur3-style hash of u8[start, end). Trace ids are random in most SDKs, but the mixing
 * keeps owners balanced for sequential or structured ids and for short strings (service names).
 */
export function hashBytes(u8: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = u8[i] | (u8[i + 1] << 8) | (u8[i + 2] << 16) | (u8[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let shift = 0; i < end; i++, shift += 8) k |= u8[i] << shift;
  if (k !== 0) {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hashBytes of a string's UTF-8 bytes (ring points, tests). */
export function hashString(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  return hashBytes(bytes, 0, bytes.length);
}
