import type { DecisionRecord, KeyState } from './key-rates.ts';
import type { Hold } from './hold.ts';
import type { SpanGroup } from './output.ts';
import type { Slab } from './span-arena.ts';

export const TraceState = { PENDING: 0, DUE: 1, DECIDED: 2 } as const;

/**
 * A buffered span per slot: group, slab, offset, length (negative when stamping must merge,
 * SpanFacts.needsMerge), and the next span of its trace. One table for all traces, reused slot
 * by slot: a growing array per trace was half of what the buffer promoted to the old generation
 * at saturation (its backing store reallocated as spans arrived, then kept for decision_wait).
 */
export class SpanTable {
  groups: Array<SpanGroup | null> = [];
  slabs: Array<Slab | null> = [];
  offset = new Int32Array(1024);
  length = new Int32Array(1024);
  next = new Int32Array(1024);
  #free = -1;
  #used = 0;

  /** A slot holding the span, at the end of no chain yet (next -1). */
  add(group: SpanGroup, slab: Slab, offset: number, length: number): number {
    let i = this.#free;
    if (i >= 0) {
      this.#free = this.next[i];
      this.groups[i] = group;
      this.slabs[i] = slab;
    } else {
      i = this.#used++;
      if (i === this.offset.length) this.#grow();
      this.groups.push(group);
      this.slabs.push(slab);
    }
    this.offset[i] = offset;
    this.length[i] = length;
    this.next[i] = -1;
    return i;
  }

  /** Frees slot i (its references go, so groups and slabs are not held) and returns the next span of its chain. */
  free(i: number): number {
    const next = this.next[i];
    this.groups[i] = null;
    this.slabs[i] = null;
    this.next[i] = this.#free;
    this.#free = i;
    return next;
  }

  #grow(): void {
    const n = 2 * this.offset.length;
    const grown = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.offset = grown(this.offset);
    this.length = grown(this.length);
    this.next = grown(this.next);
  }
}

/** A buffered trace: its spans (a chain in the SpanTable), plus the facts the policy needs, extracted as spans arrived. */
export class PendingTrace {
  readonly key: string;
  readonly firstArrival: number;
  readonly firstGroup: SpanGroup;
  rootArrival = -1;
  rootDurationMs = -1;
  /** Dynamic-sampling key, computed from the root span when it arrives. */
  samplingKey = '';
  /** The trace's buffered spans: a chain through the sampler's SpanTable, in arrival order; -1 when none. */
  firstSpan = -1;
  lastSpan = -1;
  spanCount = 0;
  /** '' or the first error signal seen (see span-facts.ts). */
  errorReason = '';
  keepRule = -1;
  dropRule = -1;
  /** The largest valid upstream `th` among the trace's spans (canonical), or ''. */
  upstreamTh = '';
  /** The `rv` randomness when a span carried one, as (top 24 bits, low 32 bits); rvHi -1 otherwise. */
  rvHi = -1;
  rvLo = 0;
  /** Durable mode only: the write-ahead-log records holding this trace's spans. */
  holds: Hold[] | null = null;
  state: number = TraceState.PENDING;
  // Set while deciding:
  keyState: KeyState | null = null;
  record: DecisionRecord | null = null;
  reason = '';

  constructor(key: string, firstArrival: number, firstGroup: SpanGroup) {
    this.key = key;
    this.firstArrival = firstArrival;
    this.firstGroup = firstGroup;
  }
}

/**
 * FIFO of traces in arrival order. Traces decided by another path stay in place and are skipped
 * when they reach the head; `compact` drops them in bulk once they dominate, so decided traces
 * are not retained for a whole trace_timeout.
 */
export class TraceQueue {
  #items: PendingTrace[] = [];
  #head = 0;

  push(trace: PendingTrace): void {
    this.#items.push(trace);
  }

  /** The oldest trace not yet decided or due, without removing it. */
  peek(): PendingTrace | undefined {
    const items = this.#items;
    while (this.#head < items.length && items[this.#head].state !== TraceState.PENDING) this.#head++;
    return this.#head < items.length ? items[this.#head] : undefined;
  }

  shift(): PendingTrace | undefined {
    const t = this.peek();
    if (t !== undefined) this.#head++;
    return t;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Rebuilds the array when it holds more than twice `live` entries (plus slack). */
  compact(live: number): void {
    if (this.#items.length - this.#head <= 2 * live + 1024) {
      if (this.#head > 4096 && this.#head > this.#items.length / 2) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return;
    }
    const kept: PendingTrace[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      if (this.#items[i].state === TraceState.PENDING) kept.push(this.#items[i]);
    }
    this.#items = kept;
    this.#head = 0;
  }
}
