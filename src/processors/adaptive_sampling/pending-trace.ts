import type { DecisionRecord, KeyState } from './key-rates.ts';
import type { Hold } from './hold.ts';
import type { SpanGroup } from './output.ts';
import { ID_FIELDS, IdIndex, type TraceId } from './trace-ids.ts';

/** A slot of the TraceTable: free (its trace decided, or never used), buffering, or being decided. */
export const TraceState = { DECIDED: 0, PENDING: 1, DUE: 2 } as const;

const SPAN_GROUP = 0;
const SPAN_SLAB = 1;
const SPAN_OFFSET = 2;
const SPAN_LENGTH = 3;
const SPAN_NEXT = 4;
const SPAN_INTS = 5;

/**
 * A buffered span per slot: its group (GroupTable index), slab (SpanArena index), offset, length
 * (negative when stamping must merge, SpanFacts.needsMerge), and the next span of its trace. One
 * table for all traces, reused slot by slot, a row of int32s each: a growing array per trace was half of
 * what the buffer promoted to the old generation at saturation (its backing store reallocated as
 * spans arrived, then kept for decision_wait), and a reference per span to its group and slab
 * was an old-to-young pointer for every span and a pointer for every mark-compact to trace.
 */
export class SpanTable {
  /** A row of five int32s per slot: group, slab, offset, length, next. */
  #rows = new Int32Array(1024 * SPAN_INTS);
  #free = -1;
  #used = 0;

  /** A slot holding the span, at the end of no chain yet (next -1). */
  add(group: number, slab: number, offset: number, length: number): number {
    let i = this.#free;
    if (i >= 0) {
      this.#free = this.#rows[i * SPAN_INTS + SPAN_NEXT];
    } else {
      i = this.#used++;
      if ((i + 1) * SPAN_INTS > this.#rows.length) this.#rows = grownInt32(this.#rows, 2 * this.#rows.length);
    }
    const rows = this.#rows;
    const at = i * SPAN_INTS;
    rows[at + SPAN_GROUP] = group;
    rows[at + SPAN_SLAB] = slab;
    rows[at + SPAN_OFFSET] = offset;
    rows[at + SPAN_LENGTH] = length;
    rows[at + SPAN_NEXT] = -1;
    return i;
  }

  group(i: number): number {
    return this.#rows[i * SPAN_INTS + SPAN_GROUP];
  }

  slab(i: number): number {
    return this.#rows[i * SPAN_INTS + SPAN_SLAB];
  }

  offset(i: number): number {
    return this.#rows[i * SPAN_INTS + SPAN_OFFSET];
  }

  /** The span's length, negative when stamping must merge. */
  length(i: number): number {
    return this.#rows[i * SPAN_INTS + SPAN_LENGTH];
  }

  setNext(i: number, next: number): void {
    this.#rows[i * SPAN_INTS + SPAN_NEXT] = next;
  }

  /** Frees slot i and returns the next span of its chain. */
  free(i: number): number {
    const at = i * SPAN_INTS;
    const next = this.#rows[at + SPAN_NEXT];
    this.#rows[at + SPAN_NEXT] = this.#free;
    this.#free = i;
    return next;
  }
}

/**
 * The request groups (output.ts SpanGroup) buffered spans belong to, by index, with a count of
 * the spans (and the add() call) holding each: a group leaves when its last span does.
 */
export class GroupTable {
  groups: Array<SpanGroup | null> = [];
  #refs = new Int32Array(256);
  readonly #free: number[] = [];

  /** Registers a group, held once by the caller (release it with unref). */
  add(group: SpanGroup): number {
    let i = this.#free.pop();
    if (i === undefined) {
      i = this.groups.length;
      this.groups.push(group);
      if (i === this.#refs.length) this.#refs = grownInt32(this.#refs, 2 * i);
    } else {
      this.groups[i] = group;
    }
    this.#refs[i] = 1;
    return i;
  }

  ref(i: number): void {
    this.#refs[i]++;
  }

  /** Gives up `n` (default one) of the group's holds. */
  unref(i: number, n = 1): void {
    if ((this.#refs[i] -= n) !== 0) return;
    this.groups[i] = null;
    this.#free.push(i);
  }
}

const INITIAL_TRACES = 1024;

// A trace's int32 row, after the id fields (trace-ids.ts).
const GEN = ID_FIELDS;
const STATE = ID_FIELDS + 1;
const FIRST_SPAN = ID_FIELDS + 2;
const LAST_SPAN = ID_FIELDS + 3;
const SPAN_COUNT = ID_FIELDS + 4;
const ERROR_REASON = ID_FIELDS + 5;
const KEEP_RULE = ID_FIELDS + 6;
const DROP_RULE = ID_FIELDS + 7;
const RV_HI = ID_FIELDS + 8;
const FREE_NEXT = ID_FIELDS + 9;
/** 16 int32s: one 64-byte cache line. */
const INTS = 16;
// Its float64 row.
const FIRST_ARRIVAL = 0;
const ROOT_ARRIVAL = 1;
const ROOT_DURATION = 2;
const RV_LO = 3;
const FLOATS = 4;
// Its row in the object array: 8 references, one cache line again.
const FIRST_GROUP = 0;
const SAMPLING_KEY = 1;
const UPSTREAM_TH = 2;
const HOLDS = 3;
const KEY_STATE = 4;
const RECORD = 5;
const REASON = 6;
const OBJECTS = 8;

type TraceObject = SpanGroup | string | Hold[] | KeyState | DecisionRecord | null;

/**
 * The buffered traces, one slot each: the trace id (hash-indexed), arrival times, the chain of
 * its spans in the SpanTable and the facts the policy needs, extracted as spans arrived. A slot
 * is a row of sixteen int32s (the id first), a row of four float64s and a row of eight
 * references, so a trace's fields share a cache line or three, not one each (column arrays cost
 * a cache miss per field on a trace opened a second before it is decided). The references are
 * only to shared things (the request group of the first span, interned sampling keys, decision
 * records) and are cleared when the slot is freed.
 *
 * A PendingTrace object per trace, its key string, its Map entry and its places in two queue
 * arrays all lived for the buffer's residence (decision_wait, or until buffer_full) and were
 * promoted to the old generation at saturation; here a trace is numbers in arrays allocated
 * once. A slot's generation changes every time it is freed, so a queue entry of an earlier
 * trace never reads as the slot's current one.
 */
export class TraceTable {
  readonly ids: IdIndex;
  #f64: Float64Array;
  #objects: TraceObject[] = [];
  #free = -1;
  #used = 0;
  #live = 0;

  constructor() {
    this.ids = new IdIndex(INITIAL_TRACES, INTS);
    this.#f64 = new Float64Array(INITIAL_TRACES * FLOATS);
    this.#fillObjects(INITIAL_TRACES);
  }

  /** Traces buffered. */
  get size(): number {
    return this.#live;
  }

  /** The slot of the pending trace `id`, or -1. */
  find(id: TraceId): number {
    return this.ids.find(id);
  }

  /** A new pending trace for `id` (no span buffered yet), arrived at `now` with its first span from `group`. */
  open(id: TraceId, now: number, group: SpanGroup): number {
    let s = this.#free;
    if (s >= 0) {
      this.#free = this.ids.rows[s * INTS + FREE_NEXT];
    } else {
      s = this.#used++;
      if (s === this.ids.capacity) this.#grow();
    }
    this.ids.insert(s, id);
    const rows = this.ids.rows;
    const at = s * INTS;
    rows[at + STATE] = TraceState.PENDING;
    rows[at + FIRST_SPAN] = -1;
    rows[at + LAST_SPAN] = -1;
    rows[at + SPAN_COUNT] = 0;
    rows[at + ERROR_REASON] = 0;
    rows[at + KEEP_RULE] = -1;
    rows[at + DROP_RULE] = -1;
    rows[at + RV_HI] = -1;
    const f = s * FLOATS;
    this.#f64[f + FIRST_ARRIVAL] = now;
    this.#f64[f + ROOT_ARRIVAL] = -1;
    this.#f64[f + ROOT_DURATION] = -1;
    this.#f64[f + RV_LO] = 0;
    const o = s * OBJECTS;
    const objects = this.#objects;
    objects[o + FIRST_GROUP] = group;
    objects[o + SAMPLING_KEY] = '';
    objects[o + UPSTREAM_TH] = '';
    objects[o + HOLDS] = null;
    objects[o + KEY_STATE] = null;
    objects[o + RECORD] = null;
    objects[o + REASON] = '';
    this.#live++;
    return s;
  }

  /** Frees a decided trace's slot: out of the index, a new generation, its references dropped but the record. */
  close(s: number): void {
    this.ids.remove(s);
    const rows = this.ids.rows;
    const at = s * INTS;
    rows[at + STATE] = TraceState.DECIDED;
    rows[at + GEN]++;
    rows[at + FIRST_SPAN] = rows[at + LAST_SPAN] = -1;
    rows[at + SPAN_COUNT] = 0;
    rows[at + FREE_NEXT] = this.#free;
    this.#free = s;
    const o = s * OBJECTS;
    const objects = this.#objects;
    objects[o + FIRST_GROUP] = null;
    objects[o + SAMPLING_KEY] = '';
    objects[o + HOLDS] = null;
    objects[o + KEY_STATE] = null;
    this.#live--;
  }

  gen(s: number): number {
    return this.ids.rows[s * INTS + GEN];
  }

  state(s: number): number {
    return this.ids.rows[s * INTS + STATE];
  }

  setState(s: number, state: number): void {
    this.ids.rows[s * INTS + STATE] = state;
  }

  /** The trace's buffered spans: a chain through the sampler's SpanTable, in arrival order; -1 when none. */
  firstSpan(s: number): number {
    return this.ids.rows[s * INTS + FIRST_SPAN];
  }

  /** Appends SpanTable slot `span` to the trace's chain; returns the trace's span count. */
  appendSpan(s: number, span: number, spans: SpanTable): number {
    const rows = this.ids.rows;
    const at = s * INTS;
    const last = rows[at + LAST_SPAN];
    if (last < 0) rows[at + FIRST_SPAN] = span;
    else spans.setNext(last, span);
    rows[at + LAST_SPAN] = span;
    return ++rows[at + SPAN_COUNT];
  }

  spanCount(s: number): number {
    return this.ids.rows[s * INTS + SPAN_COUNT];
  }

  /** The first error signal seen, as an index into span-facts.ts ERROR_REASONS; 0 for none. */
  errorReason(s: number): number {
    return this.ids.rows[s * INTS + ERROR_REASON];
  }

  setErrorReason(s: number, code: number): void {
    this.ids.rows[s * INTS + ERROR_REASON] = code;
  }

  keepRule(s: number): number {
    return this.ids.rows[s * INTS + KEEP_RULE];
  }

  setKeepRule(s: number, rule: number): void {
    this.ids.rows[s * INTS + KEEP_RULE] = rule;
  }

  dropRule(s: number): number {
    return this.ids.rows[s * INTS + DROP_RULE];
  }

  setDropRule(s: number, rule: number): void {
    this.ids.rows[s * INTS + DROP_RULE] = rule;
  }

  /** The trace's randomness R: its `rv` when a span carried one, else its id's low 56 bits; as (top 24 bits, low 32 bits). */
  randomnessHi(s: number): number {
    const rows = this.ids.rows;
    const rv = rows[s * INTS + RV_HI];
    return rv >= 0 ? rv : rows[s * INTS + 2] & 0xffffff;
  }

  randomnessLo(s: number): number {
    const rows = this.ids.rows;
    return rows[s * INTS + RV_HI] >= 0 ? this.#f64[s * FLOATS + RV_LO] : rows[s * INTS + 3] >>> 0;
  }

  hasRv(s: number): boolean {
    return this.ids.rows[s * INTS + RV_HI] >= 0;
  }

  setRv(s: number, hi: number, lo: number): void {
    this.ids.rows[s * INTS + RV_HI] = hi;
    this.#f64[s * FLOATS + RV_LO] = lo;
  }

  firstArrival(s: number): number {
    return this.#f64[s * FLOATS + FIRST_ARRIVAL];
  }

  /** -1 until the root span arrives. */
  rootArrival(s: number): number {
    return this.#f64[s * FLOATS + ROOT_ARRIVAL];
  }

  rootDurationMs(s: number): number {
    return this.#f64[s * FLOATS + ROOT_DURATION];
  }

  setRoot(s: number, arrival: number, durationMs: number, samplingKey: string): void {
    this.#f64[s * FLOATS + ROOT_ARRIVAL] = arrival;
    this.#f64[s * FLOATS + ROOT_DURATION] = durationMs;
    this.#objects[s * OBJECTS + SAMPLING_KEY] = samplingKey;
  }

  firstGroup(s: number): SpanGroup {
    return this.#objects[s * OBJECTS + FIRST_GROUP] as SpanGroup;
  }

  /** Dynamic-sampling key, computed from the root span when it arrives; '' until then. */
  samplingKey(s: number): string {
    return this.#objects[s * OBJECTS + SAMPLING_KEY] as string;
  }

  /** The largest valid upstream `th` among the trace's spans (canonical), or ''. */
  upstreamTh(s: number): string {
    return this.#objects[s * OBJECTS + UPSTREAM_TH] as string;
  }

  setUpstreamTh(s: number, th: string): void {
    this.#objects[s * OBJECTS + UPSTREAM_TH] = th;
  }

  /** Durable mode only: the write-ahead-log records holding this trace's spans. */
  holds(s: number): Hold[] | null {
    return this.#objects[s * OBJECTS + HOLDS] as Hold[] | null;
  }

  setHolds(s: number, holds: Hold[]): void {
    this.#objects[s * OBJECTS + HOLDS] = holds;
  }

  // Set while deciding (the record stays until the slot is reused: a span whose own arrival
  // decided its trace under buffer pressure follows it).
  keyState(s: number): KeyState {
    return this.#objects[s * OBJECTS + KEY_STATE] as KeyState;
  }

  setKeyState(s: number, state: KeyState): void {
    this.#objects[s * OBJECTS + KEY_STATE] = state;
  }

  record(s: number): DecisionRecord | null {
    return this.#objects[s * OBJECTS + RECORD] as DecisionRecord | null;
  }

  setRecord(s: number, record: DecisionRecord): void {
    this.#objects[s * OBJECTS + RECORD] = record;
  }

  reason(s: number): string {
    return this.#objects[s * OBJECTS + REASON] as string;
  }

  setReason(s: number, reason: string): void {
    this.#objects[s * OBJECTS + REASON] = reason;
  }

  #grow(): void {
    const n = 2 * this.ids.capacity;
    this.ids.grow(n);
    this.#f64 = grownFloat64(this.#f64, n * FLOATS);
    this.#fillObjects(n);
  }

  /** Object rows up to n slots, filled with empty values so the array stays packed. */
  #fillObjects(n: number): void {
    const objects = this.#objects;
    for (let i = objects.length; i < n * OBJECTS; i++) objects.push(i % OBJECTS === SAMPLING_KEY || i % OBJECTS === UPSTREAM_TH || i % OBJECTS === REASON ? '' : null);
  }
}

function grownInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function grownFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/**
 * FIFO of trace slots in arrival order, as (slot, generation) pairs in a ring of int32s. Traces
 * decided by another path stay in place and are skipped when they reach the head (their slot's
 * generation has moved on, or it is no longer pending); `compact` drops them in bulk once they
 * dominate, so decided traces are not retained for a whole trace_timeout.
 */
export class TraceQueue {
  readonly #table: TraceTable;
  #slots = new Int32Array(1024);
  #gens = new Int32Array(1024);
  #head = 0;
  #length = 0;

  constructor(table: TraceTable) {
    this.#table = table;
  }

  push(slot: number): void {
    if (this.#length === this.#slots.length) this.#resize(2 * this.#slots.length);
    const at = (this.#head + this.#length) & (this.#slots.length - 1);
    this.#slots[at] = slot;
    this.#gens[at] = this.#table.gen(slot);
    this.#length++;
  }

  /** The oldest trace still pending, without removing it; -1 when none. */
  peek(): number {
    const table = this.#table;
    const mask = this.#slots.length - 1;
    while (this.#length > 0) {
      const s = this.#slots[this.#head];
      if (table.gen(s) === this.#gens[this.#head] && table.state(s) === TraceState.PENDING) return s;
      this.#head = (this.#head + 1) & mask;
      this.#length--;
    }
    return -1;
  }

  shift(): number {
    const s = this.peek();
    if (s >= 0) {
      this.#head = (this.#head + 1) & (this.#slots.length - 1);
      this.#length--;
    }
    return s;
  }

  get length(): number {
    return this.#length;
  }

  /** Drops entries of traces no longer pending when they are more than twice `live` (plus slack). */
  compact(live: number): void {
    if (this.#length <= 2 * live + 1024) return;
    const table = this.#table;
    const mask = this.#slots.length - 1;
    let kept = 0;
    for (let i = 0; i < this.#length; i++) {
      const at = (this.#head + i) & mask;
      const s = this.#slots[at];
      const g = this.#gens[at];
      if (table.gen(s) !== g || table.state(s) !== TraceState.PENDING) continue;
      const to = (this.#head + kept) & mask;
      this.#slots[to] = s;
      this.#gens[to] = g;
      kept++;
    }
    this.#length = kept;
  }

  #resize(n: number): void {
    const slots = new Int32Array(n);
    const gens = new Int32Array(n);
    const mask = this.#slots.length - 1;
    for (let i = 0; i < this.#length; i++) {
      const at = (this.#head + i) & mask;
      slots[i] = this.#slots[at];
      gens[i] = this.#gens[at];
    }
    this.#slots = slots;
    this.#gens = gens;
    this.#head = 0;
  }
}
