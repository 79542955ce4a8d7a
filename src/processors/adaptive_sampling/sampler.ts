import { Buffer } from 'node:buffer';
import { entryResource, fieldsExcept, fieldsExceptEqual } from '../../otlp/proto/fields.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import type { AdaptiveSamplingConfig } from './config.ts';
import { DecisionCache } from './decision-cache.ts';
import type { Decision, Hold, SettleFn } from './hold.ts';
import { decisionRecord, KeyRates, type DecisionRecord } from './key-rates.ts';
import { LatencySketch } from './latency-sketch.ts';
import { OutputBatch, ResourceGroup, SpanGroup, Stamper, type EmitFn } from './output.ts';
import { GroupTable, SpanTable, TraceQueue, TraceState, TraceTable } from './pending-trace.ts';
import { compileRules, firstMatchingRule, type CompiledRule } from './rules.ts';
import { SamplingKeyBuilder } from './sampling-key.ts';
import { SpanArena } from './span-arena.ts';
import { ERROR_REASONS, ErrorReason, SpanFacts } from './span-facts.ts';
import {
  atLeast,
  canonicalThreshold,
  composeThreshold,
  hex56Hi,
  hex56Lo,
  isRandomness,
  quantizeProbability,
  readRandomness,
  readThreshold,
  thresholdBelow,
} from '../../otlp/sampling-threshold.ts';
import { keyOfWords, newTraceId, readTraceId } from './trace-ids.ts';

const RESOURCE_SPANS = TAG.ExportTraceServiceRequest.resourceSpans;
const SCOPE_SPANS = TAG.ResourceSpans.scopeSpans;
const SPANS = TAG.ScopeSpans.spans;

/**
 * Cost of bookkeeping, counted into max_buffer_bytes beside the slabs: per span, a SpanTable row
 * (five int32s) and the room its table keeps to grow; per trace, a TraceTable slot (a 64-byte
 * int32 row, a 32-byte float64 row, a 64-byte row of references), its hash bucket and two queue
 * entries, with the same room to grow.
 */
export const SPAN_OVERHEAD_BYTES = 40;
export const TRACE_OVERHEAD_BYTES = 320;

const MIN_SLAB = 16 * 1024;
const MAX_SLAB = 1024 * 1024;

const CLASS_DYNAMIC = 0;
const CLASS_KEEP = 1;
const CLASS_DROP = 2;

export type { EmitFn } from './output.ts';
export type LogFn = (msg: string, fields: Record<string, unknown>) => void;

export interface AdaptiveSamplerOptions {
  /** Receives kept spans as an encoded ExportTraceServiceRequest; one call per metadata object per tick (or per add call). */
  emit: EmitFn;
  /** Milliseconds; defaults to Date.now. Tests inject a fake clock. */
  now?: () => number;
  onLog?: LogFn;
  /** Durable mode (a write-ahead log under the buffer): see hold.ts. */
  settle?: SettleFn;
}

export interface AdaptiveSamplerStats {
  bufferedBytes: number;
  bufferedTraces: number;
  bufferedSpans: number;
  /** Trace decisions by `kept:<reason>` / `dropped:<reason>`. */
  traces: Record<string, number>;
  spans: { kept: number; dropped: number };
  lateSpans: { kept: number; dropped: number };
  /** Traces decided before their time, by cause. */
  earlyDecisions: Record<string, number>;
  overload: { active: boolean; keptTraces: number; droppedTraces: number };
  /** Spans with an empty or all-zero trace id (or one longer than 16 bytes), each decided on its own. */
  noTraceIdSpans: { kept: number; dropped: number };
  topKeyRates(n: number): Array<{ key: string; rate: number; tracesPerSecond: number }>;
}

/**
 * Error-priority tail sampler. See README "Adaptive sampling" for the policy; in short: buffer
 * spans per trace as bytes, decide each trace once (errors, slow roots and keep rules always
 * kept; drop rules dropped; the rest sampled per key to meet target_traces_per_second), stamp
 * kept spans with their adjusted count, and let late spans follow the remembered decision.
 * Sampled traces follow OpenTelemetry consistent probability sampling: kept iff R >= T.
 */
export class AdaptiveSampler {
  readonly #cfg: AdaptiveSamplingConfig;
  readonly #emit: EmitFn;
  readonly #now: () => number;
  readonly #log: LogFn | null;

  readonly #traces = new TraceTable();
  readonly #byRoot = new TraceQueue(this.#traces);
  readonly #byFirst = new TraceQueue(this.#traces);
  readonly #arena: SpanArena;
  readonly #spans = new SpanTable();
  readonly #groups = new GroupTable();
  /** The GroupTable index of the group spans are being added from, once one of them is buffered (-1 before). */
  #groupIndex = -1;
  readonly #rates: KeyRates;
  readonly #cache: DecisionCache;
  readonly #keys: SamplingKeyBuilder;
  readonly #keepRules: CompiledRule[];
  readonly #dropRules: CompiledRule[];
  readonly #policyRecords = new Map<string, DecisionRecord>();
  /** Records composed with an upstream threshold, by reason, own th and upstream th. */
  #composedRecords = new Map<string, DecisionRecord>();
  readonly #overloadRecord: DecisionRecord;
  readonly #batch = new OutputBatch();
  /** Slots of the traces being decided (a tick's), and of one decided early. */
  readonly #due: number[] = [];
  readonly #one: number[] = [0];
  /** The id of the span being added, and a decided trace's for the decision cache. */
  readonly #id = newTraceId();
  readonly #decidedId = newTraceId();
  /** The span being added; policy attributes are watched here. */
  readonly #facts = new SpanFacts();
  readonly #stamper: Stamper;
  readonly #settle: SettleFn | null;
  /** Durable mode: the add() call's log record, references given up, decisions made, this round. */
  #hold: Hold | null = null;
  #released: Hold[] = [];
  #decisions: Decision[] = [];

  /** Recent resource groups and scope heads, by their bytes as Latin-1 (see #resourceOf). */
  #resources = new Map<string, ResourceGroup>();
  #scopeHeads = new Map<string, Uint8Array>();
  /** The last of each, compared in place first: most requests repeat the previous one's. */
  #lastResource: ResourceGroup | null = null;
  #lastScopeHead: Uint8Array | null = null;
  /** #scanScope's results: the spans of a ScopeSpans entry as (start, end) pairs, and whether its head is #lastScopeHead's. */
  #spanAt = new Int32Array(256);
  #sameScopeHead = false;
  /** The trace the last buffered span went to: its slot and the slot's generation then. */
  #lastSlot = -1;
  #lastGen = 0;
  #bufferedSpans = 0;
  #lastTick: number;
  #overload = false;

  readonly #kept = new Map<string, number>();
  readonly #dropped = new Map<string, number>();
  readonly #early = new Map<string, number>();
  #spansKept = 0;
  #spansDropped = 0;
  #lateKept = 0;
  #lateDropped = 0;
  #overloadKept = 0;
  #overloadDropped = 0;
  #noTraceIdKept = 0;
  #noTraceIdDropped = 0;
  /** The randomness #spanUpstream last read, as (top 24 bits, low 32 bits). */
  #spanRHi = 0;
  #spanRLo = 0;
  #pressureSinceLog = 0;

  constructor(config: AdaptiveSamplingConfig, opts: AdaptiveSamplerOptions) {
    this.#cfg = config;
    this.#emit = opts.emit;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.onLog ?? null;
    this.#settle = opts.settle ?? null;
    this.#lastTick = this.#now();
    const slab = Math.min(MAX_SLAB, Math.max(MIN_SLAB, Math.floor(config.max_buffer_bytes / 32)));
    this.#arena = new SpanArena(slab);
    this.#rates = new KeyRates({
      targetPerSecond: config.target_traces_per_second,
      intervalMs: config.adjustment_interval,
      emaWeight: config.ema_weight,
      maxKeys: config.max_keys,
      thresholdPrecision: config.threshold_precision,
    });
    this.#cache = new DecisionCache(config.decision_cache_size);
    this.#keys = new SamplingKeyBuilder(config.key_fields, this.#facts);
    this.#keepRules = compileRules(config.always_keep, 'always_keep', this.#facts);
    this.#dropRules = compileRules(config.always_drop, 'always_drop', this.#facts);
    this.#stamper = new Stamper(config.add_reason_attribute);
    const fallback = quantizeProbability(config.overload.fallback_rate, config.threshold_precision);
    this.#overloadRecord = decisionRecord('overload', fallback);
    if (config.seed !== undefined && this.#log !== null) {
      this.#log('adaptive_sampling: `seed` is deprecated and ignored', {
        why: 'decisions follow OpenTelemetry consistent probability sampling (randomness from the trace id or rv), which has no seed; instances agree without one',
      });
    }
  }

  /** Bytes held by buffered spans: whole slabs plus bookkeeping. Bounded by max_buffer_bytes. */
  get bufferedBytes(): number {
    return (
      this.#arena.allocatedBytes + this.#bufferedSpans * SPAN_OVERHEAD_BYTES + this.#traces.size * TRACE_OVERHEAD_BYTES
    );
  }

  /**
   * Buffers the spans of an encoded ExportTraceServiceRequest. Spans are read in place and
   * copied as bytes; nothing is decoded but the resource and the attributes the policy names.
   * Spans of already-decided traces are emitted or dropped at once. Throws OtlpDecodeError on
   * malformed bytes (the receiver's scan has normally ruled that out).
   */
  add(request: Uint8Array, metadata: unknown, hold: Hold | null = null): void {
    const now = this.#now();
    const r = new ProtoReader(request);
    const total = request.length;
    if (hold !== null) {
      // The add itself holds the record until the spans it decided at once are handed on.
      hold.refs++;
      this.#hold = hold;
    }
    try {
      for (let stop = r.nextField(RESOURCE_SPANS, total); stop >= 0; stop = r.nextField(RESOURCE_SPANS, total)) {
        this.#addResourceSpans(r, stop, metadata, now);
        r.pos = stop;
      }
    } finally {
      // The request's bytes are the caller's again after this: the last run of spans is copied now.
      this.#arena.flush();
      this.#hold = null;
      if (hold !== null) this.#released.push(hold);
      this.#drain();
    }
  }

  /** Emits the round's kept spans, then lets the log's owner settle the round. */
  #drain(): void {
    this.#batch.drain(this.#emit);
    if (this.#settle === null || (this.#released.length === 0 && this.#decisions.length === 0)) return;
    const released = this.#released;
    const decisions = this.#decisions;
    this.#released = [];
    this.#decisions = [];
    this.#settle(released, decisions);
  }

  /** Decides every trace whose time has come. Call it periodically (e.g. every 100 ms). */
  tick(): void {
    const now = this.#now();
    const due = this.#due;
    const traces = this.#traces;
    const waitMs = this.#cfg.decision_wait;
    const timeoutMs = this.#cfg.trace_timeout;
    for (let s = this.#byRoot.peek(); s >= 0 && traces.rootArrival(s) + waitMs <= now; s = this.#byRoot.peek()) {
      this.#byRoot.shift();
      traces.setState(s, TraceState.DUE);
      due.push(s);
    }
    for (let s = this.#byFirst.peek(); s >= 0 && traces.firstArrival(s) + timeoutMs <= now; s = this.#byFirst.peek()) {
      this.#byFirst.shift();
      traces.setState(s, TraceState.DUE);
      due.push(s);
    }
    this.#decideAll(due, now, null, true);
    due.length = 0;
    this.#lastTick = now;
    this.#byRoot.compact(traces.size);
    this.#byFirst.compact(traces.size);
    if (this.#pressureSinceLog > 0 && this.#log !== null) {
      this.#log('adaptive_sampling: buffer near max_buffer_bytes, decided oldest traces early', {
        traces: this.#pressureSinceLog,
        bufferedBytes: this.bufferedBytes,
      });
    }
    this.#pressureSinceLog = 0;
    this.#drain();
  }

  /** Restores a decision made before a restart (from the decision log), so late and replayed spans follow it. */
  restoreDecision(key: string, record: DecisionRecord | null): void {
    this.#cache.restore(key, record);
  }

  /** Shutdown: decides every buffered trace now and emits the kept ones. Idempotent. */
  flush(): void {
    const now = this.#now();
    const due = this.#due;
    for (let s = this.#byFirst.shift(); s >= 0; s = this.#byFirst.shift()) {
      this.#traces.setState(s, TraceState.DUE);
      due.push(s);
    }
    this.#decideAll(due, now, 'shutdown', true);
    due.length = 0;
    this.#drain();
  }

  /**
   * Overload relief (driven by the memory limiter): while active, new traces are not buffered
   * but decided on their first span by trace-id hash at overload.fallback_rate; error spans are
   * always kept. Traces already buffered continue normally.
   */
  setOverload(active: boolean): void {
    if (active === this.#overload) return;
    this.#overload = active;
    if (this.#log !== null) {
      this.#log(active ? 'adaptive_sampling: overload relief on' : 'adaptive_sampling: overload relief off', {
        fallbackRate: this.#overloadRecord.probability,
        keptTraces: this.#overloadKept,
        droppedTraces: this.#overloadDropped,
      });
    }
  }

  stats(): AdaptiveSamplerStats {
    const traces: Record<string, number> = {};
    for (const [reason, n] of this.#kept) traces['kept:' + reason] = n;
    for (const [reason, n] of this.#dropped) traces['dropped:' + reason] = n;
    const rates = this.#rates;
    return {
      bufferedBytes: this.bufferedBytes,
      bufferedTraces: this.#traces.size,
      bufferedSpans: this.#bufferedSpans,
      traces,
      spans: { kept: this.#spansKept, dropped: this.#spansDropped },
      lateSpans: { kept: this.#lateKept, dropped: this.#lateDropped },
      earlyDecisions: Object.fromEntries(this.#early),
      overload: { active: this.#overload, keptTraces: this.#overloadKept, droppedTraces: this.#overloadDropped },
      noTraceIdSpans: { kept: this.#noTraceIdKept, dropped: this.#noTraceIdDropped },
      topKeyRates: (n: number) => rates.top(n),
    };
  }

  // ---- buffering ----

  #addResourceSpans(r: ProtoReader, end: number, metadata: unknown, now: number): void {
    const start = r.pos;
    const resource = this.#resourceOf(r, start, end);
    r.pos = start;
    for (let stop = r.nextField(SCOPE_SPANS, end); stop >= 0; stop = r.nextField(SCOPE_SPANS, end)) {
      const scopeStart = r.pos;
      const n = this.#scanScope(r, scopeStart, stop);
      const group = new SpanGroup(resource, this.#scopeHeadOf(r, scopeStart, stop), metadata);
      const spanAt = this.#spanAt;
      this.#groupIndex = -1;
      try {
        for (let i = 0; i < n; i++) this.#addSpan(r, spanAt[2 * i], spanAt[2 * i + 1], group, now);
      } finally {
        // The add's own hold on the group: its buffered spans hold it from here.
        if (this.#groupIndex >= 0) this.#groups.unref(this.#groupIndex);
        this.#groupIndex = -1;
      }
      r.pos = stop;
    }
  }

  /**
   * The ResourceSpans entry at [start, end) as a group, shared with earlier requests that sent the
   * same resource bytes: buffered spans keep their group for decision_wait, and a head array and
   * a decoded resource per request were most of what survived the young generation at saturation.
   */
  #resourceOf(r: ProtoReader, start: number, end: number): ResourceGroup {
    const last = this.#lastResource;
    if (last !== null && fieldsExceptEqual(r, start, end, SCOPE_SPANS, last.head)) return last;
    const resource = this.#internResource(r, start, end);
    this.#lastResource = resource;
    return resource;
  }

  #internResource(r: ProtoReader, start: number, end: number): ResourceGroup {
    const head = fieldsExcept(r, start, end, SCOPE_SPANS);
    const key = latin1(head);
    let resource = this.#resources.get(key);
    if (resource === undefined) {
      if (this.#resources.size >= MAX_INTERNED) this.#resources.clear();
      resource = new ResourceGroup(head, entryResource(r, start, end).attributes);
      this.#resources.set(key, resource);
    }
    return resource;
  }

  /**
   * Walks the ScopeSpans entry at [start, end) once: where each span lies goes to #spanAt (the
   * count is returned), and whether its other fields are the last scope head's bytes to
   * #sameScopeHead. A walk to compare the head and another to find the spans read every span's
   * tag and length twice.
   */
  #scanScope(r: ProtoReader, start: number, end: number): number {
    const u8 = r.u8;
    const last = this.#lastScopeHead;
    let same = last !== null;
    let at = 0; // bytes of `last` matched so far
    let n = 0;
    let pos = start;
    while (pos < end) {
      const fieldStart = pos;
      let t = u8[pos];
      if (t >= 8 && t < 0x80) {
        pos++;
      } else {
        r.pos = pos;
        t = r.tag(end);
        pos = r.pos;
      }
      let fieldEnd: number;
      if ((t & 7) === 2) {
        // A span's length takes two varint bytes, most other fields' one.
        let len = u8[pos];
        const b = u8[pos + 1];
        if (len < 0x80 && pos + 1 + len <= end) {
          pos++;
        } else if (len >= 0x80 && b < 0x80 && pos + 2 + ((len & 0x7f) | (b << 7)) <= end) {
          len = (len & 0x7f) | (b << 7);
          pos += 2;
        } else {
          r.pos = pos;
          len = r.length(end);
          pos = r.pos;
        }
        fieldEnd = pos + len;
      } else {
        r.pos = pos;
        r.skip(t, end);
        fieldEnd = r.pos;
      }
      if (t === SPANS) {
        if (2 * n + 2 > this.#spanAt.length) this.#spanAt = grownInt32(this.#spanAt);
        this.#spanAt[2 * n] = pos;
        this.#spanAt[2 * n + 1] = fieldEnd;
        n++;
      } else if (same) {
        if (at + fieldEnd - fieldStart > last!.length) same = false;
        for (let i = fieldStart; same && i < fieldEnd; i++) same = u8[i] === last![at++];
      }
      pos = fieldEnd;
    }
    r.pos = end;
    this.#sameScopeHead = same && at === last!.length;
    return n;
  }

  /** The ScopeSpans entry's fields other than spans, shared like #resourceOf's groups (after #scanScope). */
  #scopeHeadOf(r: ProtoReader, start: number, end: number): Uint8Array {
    const last = this.#lastScopeHead;
    if (last !== null && this.#sameScopeHead) return last;
    const head = this.#internScopeHead(r, start, end);
    this.#lastScopeHead = head;
    return head;
  }

  #internScopeHead(r: ProtoReader, start: number, end: number): Uint8Array {
    const head = fieldsExcept(r, start, end, SPANS);
    const key = latin1(head);
    const known = this.#scopeHeads.get(key);
    if (known !== undefined) return known;
    if (this.#scopeHeads.size >= MAX_INTERNED) this.#scopeHeads.clear();
    this.#scopeHeads.set(key, head);
    return head;
  }

  #addSpan(r: ProtoReader, start: number, end: number, group: SpanGroup, now: number): void {
    const facts = this.#facts;
    facts.read(r, start, end);
    const id = this.#id;
    // An id longer than 16 bytes is refused by the receiver's scan; a caller that skipped it gets such spans decided alone.
    // An empty or all-zero id (every word zero) belongs to no trace either.
    if (facts.traceIdLength === 16) {
      // The usual id, as four big-endian words (DataView reads compile to a load and a byte swap).
      const view = r.view;
      const at = facts.traceIdStart;
      id[0] = view.getInt32(at);
      id[1] = view.getInt32(at + 4);
      id[2] = view.getInt32(at + 8);
      id[3] = view.getInt32(at + 12);
      id[4] = 16;
      if ((id[0] | id[1] | id[2] | id[3]) === 0) return this.#decideWithoutTrace(facts, group);
    } else if (!readTraceId(r.u8, facts.traceIdStart, facts.traceIdLength, id) || (id[0] | id[1] | id[2] | id[3]) === 0) {
      return this.#decideWithoutTrace(facts, group);
    }
    const traces = this.#traces;
    // SDKs send a trace's spans together: the previous span's trace, while still pending, spares the lookup.
    let s = this.#lastSlot;
    if (s < 0 || traces.gen(s) !== this.#lastGen || traces.state(s) !== TraceState.PENDING || !traces.ids.holds(s, id)) {
      s = traces.find(id);
      if (s < 0) {
        const decided = this.#cache.decided(id);
        if (decided !== undefined) return this.#late(facts, group, decided);
        if (this.#overload) return this.#decideOnOverload(facts, group);
        s = traces.open(id, now, group);
        this.#byFirst.push(s);
        this.#rates.countArrival(now);
      }
      this.#lastSlot = s;
      this.#lastGen = traces.gen(s);
    }
    const length = end - start;
    if (this.bufferedBytes + length + SPAN_OVERHEAD_BYTES + this.#arena.growthFor(length) > this.#cfg.max_buffer_bytes) {
      this.#relievePressure(length, now);
      // The trace itself may have been the oldest: its span now follows the decision (the slot,
      // freed, is not reused before the next new trace).
      if (traces.state(s) === TraceState.DECIDED) return this.#late(facts, group, traces.record(s));
    }
    const cfg = this.#cfg;
    const slab = this.#arena.store(r.u8, start, end);
    let groupIndex = this.#groupIndex;
    if (groupIndex < 0) groupIndex = this.#groupIndex = this.#groups.add(group);
    this.#groups.ref(groupIndex);
    // needsMerge is known now; keeping it saves reading every kept span again at the decision.
    const span = this.#spans.add(groupIndex, slab, this.#arena.lastOffset, facts.needsMerge() ? -length : length);
    const spanCount = traces.appendSpan(s, span, this.#spans);
    this.#bufferedSpans++;
    if (facts.hasTraceState) readUpstream(traces, s, facts.traceState());
    const hold = this.#hold;
    if (hold !== null) {
      let holds = traces.holds(s);
      if (holds === null) traces.setHolds(s, (holds = []));
      if (holds.length === 0 || holds[holds.length - 1] !== hold) {
        holds.push(hold);
        hold.refs++;
      }
    }
    if (traces.errorReason(s) === 0) traces.setErrorReason(s, facts.errorCode(cfg.keep_http_5xx, cfg.keep_grpc_errors));
    if (this.#keepRules.length > 0 && traces.keepRule(s) < 0) {
      traces.setKeepRule(s, firstMatchingRule(this.#keepRules, facts, group.resourceAttributes));
    }
    if (this.#dropRules.length > 0 && traces.dropRule(s) < 0) {
      traces.setDropRule(s, firstMatchingRule(this.#dropRules, facts, group.resourceAttributes));
    }
    if (facts.isRoot && traces.rootArrival(s) < 0) {
      traces.setRoot(s, now, facts.durationMs(), this.#keys.keyOf(facts, group));
      this.#byRoot.push(s);
    }
    if (spanCount >= cfg.max_spans_per_trace) this.#decideOne(s, now, 'max_spans_per_trace');
  }

  /** Decides oldest traces first until `length` more bytes fit under max_buffer_bytes. */
  #relievePressure(length: number, now: number): void {
    const max = this.#cfg.max_buffer_bytes;
    while (this.bufferedBytes + length + SPAN_OVERHEAD_BYTES + this.#arena.growthFor(length) > max) {
      const oldest = this.#byFirst.peek();
      if (oldest < 0) return; // nothing left to decide: this one span may pass the bound
      this.#byFirst.shift();
      this.#decideOne(oldest, now, 'buffer_full');
      this.#pressureSinceLog++;
    }
  }

  #late(facts: SpanFacts, group: SpanGroup, record: DecisionRecord | null): void {
    if (record === null) {
      // Error priority: an error span is kept even when its trace was dropped without it.
      const reason = facts.errorReason(this.#cfg.keep_http_5xx, this.#cfg.keep_grpc_errors);
      if (reason === ErrorReason.NONE) {
        this.#lateDropped++;
        return;
      }
      record = this.#spanPolicyRecord('late_' + reason, facts);
    }
    this.#keepNow(facts, group, record);
    this.#lateKept++;
  }

  /** Sends the span `facts` is reading on, stamped, without buffering it. */
  #keepNow(facts: SpanFacts, group: SpanGroup, record: DecisionRecord): void {
    this.#push(group, facts.r.u8, facts.start, facts.end, facts.needsMerge(), record);
  }

  /** Queues the span at u8[start, end), stamped with `record`, for this round's output. */
  #push(group: SpanGroup, u8: Uint8Array, start: number, end: number, needsMerge: boolean, record: DecisionRecord): void {
    if (needsMerge) {
      const merged = this.#stamper.merged(u8, start, end, record);
      this.#batch.push(group, merged, 0, merged.length, NO_BYTES);
    } else {
      this.#batch.push(group, u8, start, end, this.#stamper.stampOf(record));
    }
  }

  /** Overload relief for the first span of a trace: decided at once (the span's id is in #id). */
  #decideOnOverload(facts: SpanFacts, group: SpanGroup): void {
    const errorReason = facts.errorReason(this.#cfg.keep_http_5xx, this.#cfg.keep_grpc_errors);
    let record: DecisionRecord | null = null;
    if (errorReason !== ErrorReason.NONE) {
      record = this.#spanPolicyRecord('overload_' + errorReason, facts);
    } else {
      const upstream = this.#spanUpstream(facts);
      const fallback = this.#withUpstream(this.#overloadRecord, upstream);
      if (atLeast(this.#spanRHi, this.#spanRLo, fallback.tHi, fallback.tLo)) record = fallback;
    }
    const id = this.#id;
    if (this.#settle !== null) this.#decisions.push({ key: keyOfWords(id, 0, id[4]), record });
    if (record === null) {
      this.#cache.rememberNewDropped(id);
      this.#overloadDropped++;
      bump(this.#dropped, 'overload');
      this.#spansDropped++;
      return;
    }
    this.#cache.rememberNewKept(id, record);
    this.#overloadKept++;
    bump(this.#kept, record.reason);
    this.#keepNow(facts, group, record);
    this.#spansKept++;
  }

  // ---- deciding ----

  #decideOne(s: number, now: number, earlyReason: string): void {
    this.#traces.setState(s, TraceState.DUE);
    const one = this.#one;
    one[0] = s;
    this.#decideAll(one, now, earlyReason, false);
  }

  /**
   * Two passes so a tick's traces are counted before they are sampled: rates then reflect the
   * traffic being decided, which matters most while the sampler warms up.
   */
  #decideAll(due: number[], now: number, earlyReason: string | null, updateRates: boolean): void {
    const rates = this.#rates;
    const traces = this.#traces;
    if (due.length === 0) {
      // A tick with nothing due still folds the traces decided early since the last one: at
      // saturation buffer_full decides every trace before its time, and rates that only moved
      // with due traces stayed at the first window's keep-all for as long as the pressure lasted.
      if (updateRates) rates.update(now, this.#lastTick);
      return;
    }
    for (let i = 0; i < due.length; i++) {
      const s = due[i];
      const cls = this.#classify(s);
      if (cls === CLASS_DYNAMIC) rates.countDynamic(traces.keyState(s));
      else if (cls === CLASS_KEEP) rates.countPolicyKept();
      else rates.countPolicyDropped();
    }
    if (updateRates) rates.update(now, this.#lastTick);
    for (let i = 0; i < due.length; i++) {
      const s = due[i];
      if (traces.record(s) === null && traces.reason(s) === '') {
        // The specification's rule: T from the key's rate (composed with upstream), kept iff R >= T.
        const record = this.#withUpstream(traces.keyState(s).record, traces.upstreamTh(s));
        if (traceMeets(traces, s, record.tHi, record.tLo)) traces.setRecord(s, record);
        traces.setReason(s, 'sampled');
      }
      if (earlyReason !== null) bump(this.#early, earlyReason);
      this.#apply(s);
    }
  }

  /** The policy stage: sets record/reason for policy outcomes, keyState for every trace. */
  #classify(s: number): number {
    const cfg = this.#cfg;
    const traces = this.#traces;
    let upstreamTh = traces.upstreamTh(s);
    if (upstreamTh !== '') {
      // An upstream threshold the trace's randomness does not meet is inconsistent: ignore it.
      if (!traceMeets(traces, s, hex56Hi(upstreamTh), hex56Lo(upstreamTh))) traces.setUpstreamTh(s, (upstreamTh = ''));
    }
    const samplingKey = traces.samplingKey(s);
    const key = samplingKey !== '' ? samplingKey : this.#keys.keyOf(null, traces.firstGroup(s));
    const state = this.#rates.stateFor(key);
    traces.setKeyState(s, state);
    let slow = false;
    const d = traces.rootDurationMs(s);
    if (d >= 0) {
      const lat = cfg.latency_threshold;
      if (lat.static > 0 && d > lat.static) slow = true;
      if (lat.learned_percentile > 0) {
        const sketch = state.sketch ?? (state.sketch = new LatencySketch(lat.learned_percentile));
        if (!slow && sketch.count >= lat.min_samples && d > sketch.quantile()) slow = true;
        sketch.observe(d);
      }
    }
    let record: DecisionRecord;
    if (traces.errorReason(s) !== 0) {
      record = this.#withUpstream(this.#policyRecord(ERROR_REASONS[traces.errorReason(s)]), upstreamTh);
    } else if (slow) {
      record = this.#withUpstream(this.#policyRecord('slow'), upstreamTh);
    } else if (traces.keepRule(s) >= 0) {
      record = this.#withUpstream(this.#policyRecord('rule:' + this.#keepRules[traces.keepRule(s)].name), upstreamTh);
    } else if (traces.dropRule(s) >= 0) {
      traces.setReason(s, 'rule:' + this.#dropRules[traces.dropRule(s)].name);
      return CLASS_DROP;
    } else {
      return CLASS_DYNAMIC;
    }
    traces.setRecord(s, record);
    traces.setReason(s, record.reason);
    return CLASS_KEEP;
  }

  /** Emits or drops the trace's spans, frees its bytes and slot and remembers the decision. */
  #apply(s: number): void {
    const traces = this.#traces;
    const record = traces.record(s);
    const n = traces.spanCount(s);
    const arena = this.#arena;
    const table = this.#spans;
    const id = this.#decidedId;
    traces.ids.idOf(s, id);
    const groups = this.#groups;
    if (record !== null) {
      // Kept spans are read from their slabs: the run being copied must be there first. (Only
      // then: at saturation a decision comes with every new trace, and a copy call per decision
      // cost more than the bytes it moved.)
      arena.flush();
      for (let j = traces.firstSpan(s); j >= 0; ) {
        const offset = table.offset(j);
        const signedLength = table.length(j);
        const length = Math.abs(signedLength);
        const slab = table.slab(j);
        const group = table.group(j);
        // Stamping copies the bytes out before the slab space is released and reused.
        this.#push(groups.groups[group]!, arena.slabs[slab]!.bytes, offset, offset + length, signedLength < 0, record);
        arena.release(slab, length);
        groups.unref(group);
        j = table.free(j);
      }
      // Not remembered yet: a trace opens only when its id is not, and spans of an open one never look.
      this.#cache.rememberNewKept(id, record);
      this.#spansKept += n;
      bump(this.#kept, traces.reason(s));
    } else {
      // A trace's spans mostly share a slab and a group: each is released once per run of them.
      let slab = -1;
      let bytes = 0;
      let group = -1;
      let refs = 0;
      for (let j = traces.firstSpan(s); j >= 0; ) {
        const spanSlab = table.slab(j);
        if (spanSlab !== slab) {
          if (slab >= 0) arena.release(slab, bytes);
          slab = spanSlab;
          bytes = 0;
        }
        bytes += Math.abs(table.length(j));
        const spanGroup = table.group(j);
        if (spanGroup !== group) {
          if (group >= 0) groups.unref(group, refs);
          group = spanGroup;
          refs = 0;
        }
        refs++;
        j = table.free(j);
      }
      if (slab >= 0) arena.release(slab, bytes);
      if (group >= 0) groups.unref(group, refs);
      this.#cache.rememberNewDropped(id);
      this.#spansDropped += n;
      bump(this.#dropped, traces.reason(s));
    }
    this.#bufferedSpans -= n;
    const holds = traces.holds(s);
    if (holds !== null) {
      for (let j = 0; j < holds.length; j++) this.#released.push(holds[j]);
    }
    if (this.#settle !== null) this.#decisions.push({ key: keyOfWords(id, 0, id[4]), record });
    traces.close(s);
  }

  #policyRecord(reason: string): DecisionRecord {
    let record = this.#policyRecords.get(reason);
    if (record === undefined) {
      record = decisionRecord(reason, { probability: 1, th: '0' });
      this.#policyRecords.set(reason, record);
    }
    return record;
  }

  /** A policy record for a span decided alone (late, overload, no trace id), composed with its own upstream. */
  #spanPolicyRecord(reason: string, facts: SpanFacts): DecisionRecord {
    return this.#withUpstream(this.#policyRecord(reason), this.#spanUpstream(facts));
  }

  /**
   * The span's own upstream threshold, if consistent with its randomness; leaves that
   * randomness in #spanRHi/#spanRLo. Only spans with a trace_state pay for reading it.
   */
  #spanUpstream(facts: SpanFacts): string {
    let th = '';
    let rv: string | undefined;
    if (facts.hasTraceState) {
      const ts = facts.traceState();
      th = canonicalThreshold(readThreshold(ts));
      rv = readRandomness(ts);
    }
    if (isRandomness(rv)) {
      this.#spanRHi = hex56Hi(rv);
      this.#spanRLo = hex56Lo(rv);
    } else {
      // The id's last seven bytes (fewer, zero-extended, for a shorter id; none for an empty one).
      const u8 = facts.r.u8;
      const end = facts.traceIdStart + facts.traceIdLength;
      const byte = (i: number) => (i >= facts.traceIdStart ? u8[i] : 0);
      this.#spanRHi = (byte(end - 7) << 16) | (byte(end - 6) << 8) | byte(end - 5);
      this.#spanRLo = byte(end - 4) * 0x1000000 + ((byte(end - 3) << 16) | (byte(end - 2) << 8) | byte(end - 1));
    }
    if (th === '0' || (th !== '' && !atLeast(this.#spanRHi, this.#spanRLo, hex56Hi(th), hex56Lo(th)))) return '';
    return th;
  }

  /**
   * `record` after an upstream stage that sampled at threshold `upstream` (the specification's
   * proportional downstream rule): probability p × P(upstream), threshold never below upstream.
   */
  #withUpstream(record: DecisionRecord, upstream: string): DecisionRecord {
    if (upstream === '' || upstream === '0') return record;
    const cacheKey = record.reason + '\n' + record.th + '\n' + upstream;
    let composed = this.#composedRecords.get(cacheKey);
    if (composed === undefined) {
      // Bounded: keys and upstream thresholds are few in practice, but neither is capped.
      if (this.#composedRecords.size >= 4096) this.#composedRecords = new Map();
      composed = decisionRecord(record.reason, composeThreshold(record.probability, upstream, this.#cfg.threshold_precision), true);
      this.#composedRecords.set(cacheKey, composed);
    }
    return composed;
  }

  /**
   * A span with an empty or all-zero trace id has no trace to wait for and no randomness to
   * sample consistently by, so it is decided alone, at once: drop rules apply, and otherwise it
   * is kept (count 1; reason error, a keep rule, or `no_trace_id`) and spends the budget like a
   * policy keep. So is a span whose trace id is longer than 16 bytes, which the receiver refuses
   * (only a caller that skipped its scan can bring one): the trace table holds ids of 16 bytes.
   */
  #decideWithoutTrace(facts: SpanFacts, group: SpanGroup): void {
    const cfg = this.#cfg;
    let reason: string = facts.errorReason(cfg.keep_http_5xx, cfg.keep_grpc_errors);
    if (reason === ErrorReason.NONE && this.#keepRules.length > 0) {
      const rule = firstMatchingRule(this.#keepRules, facts, group.resourceAttributes);
      if (rule >= 0) reason = 'rule:' + this.#keepRules[rule].name;
    }
    if (reason === ErrorReason.NONE && this.#dropRules.length > 0) {
      const rule = firstMatchingRule(this.#dropRules, facts, group.resourceAttributes);
      if (rule >= 0) {
        bump(this.#dropped, 'rule:' + this.#dropRules[rule].name);
        this.#spansDropped++;
        this.#noTraceIdDropped++;
        return;
      }
    }
    if (reason === ErrorReason.NONE) reason = 'no_trace_id';
    this.#rates.countPolicyKept();
    bump(this.#kept, reason);
    this.#keepNow(facts, group, this.#spanPolicyRecord(reason, facts));
    this.#spansKept++;
    this.#noTraceIdKept++;
  }
}

/** R >= T for the trace in slot s: R is its `rv` when a span carried one, else its id's low 56 bits. */
function traceMeets(traces: TraceTable, s: number, tHi: number, tLo: number): boolean {
  return atLeast(traces.randomnessHi(s), traces.randomnessLo(s), tHi, tLo);
}

/** Folds one span's trace_state into its trace: the largest valid `th`, the first valid `rv`. */
function readUpstream(traces: TraceTable, s: number, traceState: string): void {
  const th = canonicalThreshold(readThreshold(traceState));
  const current = traces.upstreamTh(s);
  if (th !== '' && th !== '0' && (current === '' || thresholdBelow(current, th))) traces.setUpstreamTh(s, th);
  if (!traces.hasRv(s)) {
    const rv = readRandomness(traceState);
    if (isRandomness(rv)) traces.setRv(s, hex56Hi(rv), hex56Lo(rv));
  }
}

/** Bounds each intern table; cleared when full (a few services send most traffic). */
const MAX_INTERNED = 1024;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

const NO_BYTES = new Uint8Array(0);

function grownInt32(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
