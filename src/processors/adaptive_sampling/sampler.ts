import { Buffer } from 'node:buffer';
import { entryResource, fieldsExcept } from '../../otlp/proto/fields.ts';
import { ProtoReader } from '../../otlp/proto/reader.ts';
import { TAG } from '../../otlp/proto/schema.ts';
import type { AdaptiveSamplingConfig } from './config.ts';
import { DecisionCache } from './decision-cache.ts';
import type { Decision, Hold, SettleFn } from './hold.ts';
import { decisionRecord, KeyRates, type DecisionRecord } from './key-rates.ts';
import { LatencySketch } from './latency-sketch.ts';
import { OutputBatch, ResourceGroup, SpanGroup, Stamper, type EmitFn } from './output.ts';
import { PendingTrace, SpanTable, TraceQueue, TraceState } from './pending-trace.ts';
import { compileRules, firstMatchingRule, type CompiledRule } from './rules.ts';
import { SamplingKeyBuilder } from './sampling-key.ts';
import { SpanArena } from './span-arena.ts';
import { ErrorReason, SpanFacts } from './span-facts.ts';
import {
  atLeast,
  canonicalThreshold,
  composeThreshold,
  hex56Hi,
  hex56Lo,
  isRandomness,
  keyRandomnessHi,
  keyRandomnessLo,
  quantizeProbability,
  readRandomness,
  readThreshold,
  thresholdBelow,
} from '../../otlp/sampling-threshold.ts';
import { traceKeyAt } from './trace-hash.ts';

const RESOURCE_SPANS = TAG.ExportTraceServiceRequest.resourceSpans;
const SCOPE_SPANS = TAG.ResourceSpans.scopeSpans;
const SPANS = TAG.ScopeSpans.spans;

/**
 * Heap cost of bookkeeping, counted into max_buffer_bytes beside the slabs (measured by
 * benchmarks/sampling.bench.ts, with a span array per trace): per span, a SpanTable slot (two
 * references, three int32s) with room to spare; per trace, the PendingTrace, its key string,
 * its map entry and two queue slots.
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
  /** Spans with an empty or all-zero trace id, each decided on its own. */
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

  readonly #pending = new Map<string, PendingTrace>();
  readonly #byRoot = new TraceQueue();
  readonly #byFirst = new TraceQueue();
  readonly #arena: SpanArena;
  readonly #spans = new SpanTable();
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
  readonly #due: PendingTrace[] = [];
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
  /** The trace the last buffered span went to. */
  #lastTrace: PendingTrace | null = null;
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
      this.#arena.allocatedBytes + this.#bufferedSpans * SPAN_OVERHEAD_BYTES + this.#pending.size * TRACE_OVERHEAD_BYTES
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
    const waitMs = this.#cfg.decision_wait;
    const timeoutMs = this.#cfg.trace_timeout;
    for (let t = this.#byRoot.peek(); t !== undefined && t.rootArrival + waitMs <= now; t = this.#byRoot.peek()) {
      this.#byRoot.shift();
      t.state = TraceState.DUE;
      due.push(t);
    }
    for (let t = this.#byFirst.peek(); t !== undefined && t.firstArrival + timeoutMs <= now; t = this.#byFirst.peek()) {
      this.#byFirst.shift();
      t.state = TraceState.DUE;
      due.push(t);
    }
    this.#decideAll(due, now, null, true);
    due.length = 0;
    this.#lastTick = now;
    this.#byRoot.compact(this.#pending.size);
    this.#byFirst.compact(this.#pending.size);
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
    if (record === null) this.#cache.rememberDropped(key);
    else this.#cache.rememberKept(key, record);
  }

  /** Shutdown: decides every buffered trace now and emits the kept ones. Idempotent. */
  flush(): void {
    const now = this.#now();
    const due = this.#due;
    for (let t = this.#byFirst.shift(); t !== undefined; t = this.#byFirst.shift()) {
      t.state = TraceState.DUE;
      due.push(t);
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
      bufferedTraces: this.#pending.size,
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
      const group = new SpanGroup(resource, this.#scopeHeadOf(r, scopeStart, stop), metadata);
      r.pos = scopeStart;
      for (let spanEnd = r.nextField(SPANS, stop); spanEnd >= 0; spanEnd = r.nextField(SPANS, stop)) {
        this.#addSpan(r, r.pos, spanEnd, group, now);
        r.pos = spanEnd;
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

  /** The ScopeSpans entry's fields other than spans, shared like #resourceOf's groups. */
  #scopeHeadOf(r: ProtoReader, start: number, end: number): Uint8Array {
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
    if (facts.hasNoTraceId()) return this.#decideWithoutTrace(facts, group);
    // SDKs send a trace's spans together: the previous span's trace, while still pending, spares
    // building a key string per span and looking it up.
    let trace = this.#lastTrace;
    if (trace === null || trace.state !== TraceState.PENDING || !keyIs(trace.key, r.u8, facts.traceIdStart, facts.traceIdLength)) {
      const key = traceKeyAt(r.u8, facts.traceIdStart, facts.traceIdLength);
      trace = this.#pending.get(key) ?? null;
      if (trace === null) {
        const record = this.#cache.kept(key);
        if (record !== undefined) return this.#late(facts, group, record);
        if (this.#cache.wasDropped(key)) return this.#late(facts, group, null);
        if (this.#overload) return this.#decideOnOverload(key, facts, group);
        trace = new PendingTrace(key, now, group);
        this.#pending.set(key, trace);
        this.#byFirst.push(trace);
        this.#rates.countArrival(now);
      }
      this.#lastTrace = trace;
    }
    const length = end - start;
    if (this.bufferedBytes + length + SPAN_OVERHEAD_BYTES + this.#arena.growthFor(length) > this.#cfg.max_buffer_bytes) {
      this.#relievePressure(length, now);
      // The trace itself may have been the oldest: its span now follows the decision.
      if (trace.state === TraceState.DECIDED) return this.#late(facts, group, trace.record);
    }
    const cfg = this.#cfg;
    const slab = this.#arena.store(r.u8, start, end);
    // needsMerge is known now; keeping it saves reading every kept span again at the decision.
    const span = this.#spans.add(group, slab, this.#arena.lastOffset, facts.needsMerge() ? -length : length);
    if (trace.lastSpan < 0) trace.firstSpan = span;
    else this.#spans.next[trace.lastSpan] = span;
    trace.lastSpan = span;
    trace.spanCount++;
    this.#bufferedSpans++;
    if (facts.hasTraceState) readUpstream(trace, facts.traceState());
    const hold = this.#hold;
    if (hold !== null) {
      const holds = trace.holds ?? (trace.holds = []);
      if (holds.length === 0 || holds[holds.length - 1] !== hold) {
        holds.push(hold);
        hold.refs++;
      }
    }
    if (trace.errorReason === ErrorReason.NONE) {
      trace.errorReason = facts.errorReason(cfg.keep_http_5xx, cfg.keep_grpc_errors);
    }
    if (this.#keepRules.length > 0 && trace.keepRule < 0) {
      trace.keepRule = firstMatchingRule(this.#keepRules, facts, group.resourceAttributes);
    }
    if (this.#dropRules.length > 0 && trace.dropRule < 0) {
      trace.dropRule = firstMatchingRule(this.#dropRules, facts, group.resourceAttributes);
    }
    if (facts.isRoot && trace.rootArrival < 0) {
      trace.rootArrival = now;
      trace.rootDurationMs = facts.durationMs();
      trace.samplingKey = this.#keys.keyOf(facts, group);
      this.#byRoot.push(trace);
    }
    if (trace.spanCount >= cfg.max_spans_per_trace) this.#decideOne(trace, now, 'max_spans_per_trace');
  }

  /** Decides oldest traces first until `length` more bytes fit under max_buffer_bytes. */
  #relievePressure(length: number, now: number): void {
    const max = this.#cfg.max_buffer_bytes;
    while (this.bufferedBytes + length + SPAN_OVERHEAD_BYTES + this.#arena.growthFor(length) > max) {
      const oldest = this.#byFirst.peek();
      if (oldest === undefined) return; // nothing left to decide: this one span may pass the bound
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

  #decideOnOverload(key: string, facts: SpanFacts, group: SpanGroup): void {
    const errorReason = facts.errorReason(this.#cfg.keep_http_5xx, this.#cfg.keep_grpc_errors);
    let record: DecisionRecord | null = null;
    if (errorReason !== ErrorReason.NONE) {
      record = this.#spanPolicyRecord('overload_' + errorReason, facts);
    } else {
      const upstream = this.#spanUpstream(facts, key);
      const fallback = this.#withUpstream(this.#overloadRecord, upstream);
      if (atLeast(this.#spanRHi, this.#spanRLo, fallback.tHi, fallback.tLo)) record = fallback;
    }
    if (this.#settle !== null) this.#decisions.push({ key, record });
    if (record === null) {
      this.#cache.rememberDropped(key);
      this.#overloadDropped++;
      bump(this.#dropped, 'overload');
      this.#spansDropped++;
      return;
    }
    this.#cache.rememberKept(key, record);
    this.#overloadKept++;
    bump(this.#kept, record.reason);
    this.#keepNow(facts, group, record);
    this.#spansKept++;
  }

  // ---- deciding ----

  #decideOne(trace: PendingTrace, now: number, earlyReason: string): void {
    trace.state = TraceState.DUE;
    const due = [trace];
    this.#decideAll(due, now, earlyReason, false);
  }

  /**
   * Two passes so a tick's traces are counted before they are sampled: rates then reflect the
   * traffic being decided, which matters most while the sampler warms up.
   */
  #decideAll(due: PendingTrace[], now: number, earlyReason: string | null, updateRates: boolean): void {
    const rates = this.#rates;
    if (due.length === 0) {
      // A tick with nothing due still folds the traces decided early since the last one: at
      // saturation buffer_full decides every trace before its time, and rates that only moved
      // with due traces stayed at the first window's keep-all for as long as the pressure lasted.
      if (updateRates) rates.update(now, this.#lastTick);
      return;
    }
    for (let i = 0; i < due.length; i++) {
      const t = due[i];
      const cls = this.#classify(t);
      if (cls === CLASS_DYNAMIC) rates.countDynamic(t.keyState!);
      else if (cls === CLASS_KEEP) rates.countPolicyKept();
      else rates.countPolicyDropped();
    }
    if (updateRates) rates.update(now, this.#lastTick);
    for (let i = 0; i < due.length; i++) {
      const t = due[i];
      if (t.record === null && t.reason === '') {
        // The specification's rule: T from the key's rate (composed with upstream), kept iff R >= T.
        const record = this.#withUpstream(t.keyState!.record, t.upstreamTh);
        if (traceMeets(t, record.tHi, record.tLo)) t.record = record;
        t.reason = 'sampled';
      }
      if (earlyReason !== null) bump(this.#early, earlyReason);
      this.#apply(t);
    }
  }

  /** The policy stage: sets record/reason for policy outcomes, keyState for every trace. */
  #classify(t: PendingTrace): number {
    const cfg = this.#cfg;
    if (t.upstreamTh !== '') {
      // An upstream threshold the trace's randomness does not meet is inconsistent: ignore it.
      if (!traceMeets(t, hex56Hi(t.upstreamTh), hex56Lo(t.upstreamTh))) t.upstreamTh = '';
    }
    const key = t.samplingKey !== '' ? t.samplingKey : this.#keys.keyOf(null, t.firstGroup);
    const state = this.#rates.stateFor(key);
    t.keyState = state;
    let slow = false;
    if (t.rootDurationMs >= 0) {
      const d = t.rootDurationMs;
      const lat = cfg.latency_threshold;
      if (lat.static > 0 && d > lat.static) slow = true;
      if (lat.learned_percentile > 0) {
        const sketch = state.sketch ?? (state.sketch = new LatencySketch(lat.learned_percentile));
        if (!slow && sketch.count >= lat.min_samples && d > sketch.quantile()) slow = true;
        sketch.observe(d);
      }
    }
    if (t.errorReason !== ErrorReason.NONE) {
      t.record = this.#withUpstream(this.#policyRecord(t.errorReason), t.upstreamTh);
    } else if (slow) {
      t.record = this.#withUpstream(this.#policyRecord('slow'), t.upstreamTh);
    } else if (t.keepRule >= 0) {
      t.record = this.#withUpstream(this.#policyRecord('rule:' + this.#keepRules[t.keepRule].name), t.upstreamTh);
    } else if (t.dropRule >= 0) {
      t.reason = 'rule:' + this.#dropRules[t.dropRule].name;
      return CLASS_DROP;
    } else {
      return CLASS_DYNAMIC;
    }
    t.reason = t.record.reason;
    return CLASS_KEEP;
  }

  /** Emits or drops the trace's spans, frees its bytes and remembers the decision. */
  #apply(t: PendingTrace): void {
    const record = t.record;
    const n = t.spanCount;
    const arena = this.#arena;
    const table = this.#spans;
    if (record !== null) {
      for (let j = t.firstSpan; j >= 0; ) {
        const group = table.groups[j]!;
        const slab = table.slabs[j]!;
        const offset = table.offset[j];
        const signedLength = table.length[j];
        const length = Math.abs(signedLength);
        // Stamping copies the bytes out before the slab space is released and reused.
        this.#push(group, slab.bytes, offset, offset + length, signedLength < 0, record);
        arena.release(slab, length);
        j = table.free(j);
      }
      this.#cache.rememberKept(t.key, record);
      this.#spansKept += n;
      bump(this.#kept, t.reason);
    } else {
      for (let j = t.firstSpan; j >= 0; ) {
        arena.release(table.slabs[j]!, Math.abs(table.length[j]));
        j = table.free(j);
      }
      this.#cache.rememberDropped(t.key);
      this.#spansDropped += n;
      bump(this.#dropped, t.reason);
    }
    this.#bufferedSpans -= n;
    this.#pending.delete(t.key);
    if (t.holds !== null) {
      for (let j = 0; j < t.holds.length; j++) this.#released.push(t.holds[j]);
      t.holds = null;
    }
    if (this.#settle !== null) this.#decisions.push({ key: t.key, record });
    t.state = TraceState.DECIDED;
    t.firstSpan = t.lastSpan = -1;
    t.spanCount = 0;
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
    const key = traceKeyAt(facts.r.u8, facts.traceIdStart, facts.traceIdLength);
    return this.#withUpstream(this.#policyRecord(reason), this.#spanUpstream(facts, key));
  }

  /**
   * The span's own upstream threshold, if consistent with its randomness; leaves that
   * randomness in #spanRHi/#spanRLo. Only spans with a trace_state pay for reading it.
   */
  #spanUpstream(facts: SpanFacts, key: string): string {
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
      this.#spanRHi = keyRandomnessHi(key);
      this.#spanRLo = keyRandomnessLo(key);
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
   * policy keep.
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

/** R >= T for a trace: R is its `rv` when a span carried one, else its id's low 56 bits. */
function traceMeets(t: PendingTrace, tHi: number, tLo: number): boolean {
  return t.rvHi >= 0 ? atLeast(t.rvHi, t.rvLo, tHi, tLo) : atLeast(keyRandomnessHi(t.key), keyRandomnessLo(t.key), tHi, tLo);
}

/** Folds one span's trace_state into its trace: the largest valid `th`, the first valid `rv`. */
function readUpstream(trace: PendingTrace, traceState: string): void {
  const th = canonicalThreshold(readThreshold(traceState));
  if (th !== '' && th !== '0' && (trace.upstreamTh === '' || thresholdBelow(trace.upstreamTh, th))) trace.upstreamTh = th;
  if (trace.rvHi < 0) {
    const rv = readRandomness(traceState);
    if (isRandomness(rv)) {
      trace.rvHi = hex56Hi(rv);
      trace.rvLo = hex56Lo(rv);
    }
  }
}

/** Bounds each intern table; cleared when full (a few services send most traffic). */
const MAX_INTERNED = 1024;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** Whether `key` is traceKeyAt(u8, start, length), without building that string. */
function keyIs(key: string, u8: Uint8Array, start: number, length: number): boolean {
  if (key.length !== length) return false;
  for (let i = 0; i < length; i++) if (key.charCodeAt(i) !== u8[start + i]) return false;
  return true;
}

const NO_BYTES = new Uint8Array(0);

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
