import { Buffer } from 'node:buffer';
import { decodeSpan, encodeSpan } from '../../otlp/protobuf.ts';
import type { KeyValue, Span } from '../../otlp/types.ts';
import { attributesSize, writeAttributes } from '../../otlp/proto/common.ts';
import { encodeMessage } from '../../otlp/proto/encode.ts';
import { lenField, type ProtoWriter } from '../../otlp/proto/writer.ts';
import type { DecisionRecord } from './key-rates.ts';
import { numberOf } from './rules.ts';
import { ADJUSTED_COUNT, REASON } from './span-facts.ts';
import { mergeThreshold } from '../../otlp/sampling-threshold.ts';
import { TAG } from '../../otlp/proto/schema.ts';

const SPAN = TAG.Span;
const bufferCopy = Buffer.prototype.copy;
const RESOURCE_SPANS = TAG.ExportTraceServiceRequest.resourceSpans;
const SCOPE_SPANS = TAG.ResourceSpans.scopeSpans;
const SPANS = TAG.ScopeSpans.spans;

/**
 * One incoming ResourceSpans entry. Its fields other than scope_spans (the resource, the schema
 * URL, unknown fields) are kept as their original bytes and written back verbatim around the
 * kept spans; the decoded resource attributes serve the policy (service name, rules, keys).
 */
export class ResourceGroup {
  readonly head: Uint8Array;
  readonly serviceName: string;
  readonly attributes: readonly KeyValue[];

  constructor(head: Uint8Array, attributes: readonly KeyValue[]) {
    this.head = head;
    this.attributes = attributes;
    this.serviceName = serviceNameOf(attributes);
  }
}

/**
 * One incoming (request, resource, scope): every span buffered from it points here, so the
 * resource, the scope and the request metadata are held once per request, not once per span.
 * `head` is the ScopeSpans entry's fields other than spans, as bytes.
 */
export class SpanGroup {
  readonly resource: ResourceGroup;
  readonly head: Uint8Array;
  readonly metadata: unknown;

  constructor(resource: ResourceGroup, head: Uint8Array, metadata: unknown) {
    this.resource = resource;
    this.head = head;
    this.metadata = metadata;
  }

  get serviceName(): string {
    return this.resource.serviceName;
  }

  get resourceAttributes(): readonly KeyValue[] {
    return this.resource.attributes;
  }
}

function serviceNameOf(attributes: readonly KeyValue[]): string {
  for (let i = 0; i < attributes.length; i++) {
    if (attributes[i].key === 'service.name') return attributes[i].value.stringValue ?? '';
  }
  return '';
}

/**
 * Stamps kept spans with their rate. A span that carries no trace_state and no earlier stamp
 * (the common case) is stamped by appending encoded fields to its bytes: a repeated field may
 * grow anywhere in a message and an absent trace_state may be written after the others, so the
 * stamp per decision record is encoded once and copied after each span. Other spans are decoded
 * and merged by `annotateKept`.
 */
export class Stamper {
  readonly #addReason: boolean;
  readonly #stamps = new WeakMap<DecisionRecord, Uint8Array>();

  constructor(addReason: boolean) {
    this.#addReason = addReason;
  }

  /** The fields appended to a span without trace_state or stamp (needsMerge false), encoded once per record. */
  stampOf(record: DecisionRecord): Uint8Array {
    let stamp = this.#stamps.get(record);
    if (stamp === undefined) {
      stamp = encodeStamp(record, this.#addReason);
      this.#stamps.set(record, stamp);
    }
    return stamp;
  }

  /** The span at [start, end) of `u8` decoded, stamped and encoded again (needsMerge true). */
  merged(u8: Uint8Array, start: number, end: number, record: DecisionRecord): Uint8Array {
    const span = decodeSpan(u8.subarray(start, end));
    annotateKept(span, record, this.#addReason ? record.reason : null);
    return encodeSpan(span);
  }
}

/** The fields a stamp appends to a span: trace_state, then attributes. */
interface Stamp {
  traceState: string;
  attributes: KeyValue[];
}

/** trace_state = "ot=th:…", attribute sampling.adjusted_count = 1/p, optionally sampling.reason. */
function encodeStamp(record: DecisionRecord, addReason: boolean): Uint8Array {
  const attributes: KeyValue[] = [{ key: ADJUSTED_COUNT, value: { doubleValue: 1 / record.probability } }];
  if (addReason) attributes.push({ key: REASON, value: { stringValue: record.reason } });
  return encodeMessage<Stamp>({ traceState: 'ot=th:' + record.th, attributes }, stampSize, writeStamp);
}

function stampSize(w: ProtoWriter, stamp: Stamp): number {
  return 1 + w.stringSize(stamp.traceState) + attributesSize(w, stamp.attributes, 0);
}

function writeStamp(w: ProtoWriter, stamp: Stamp): void {
  w.byte(SPAN.traceState);
  w.string(stamp.traceState);
  writeAttributes(w, SPAN.attributes, stamp.attributes);
}

/**
 * Stamps a decoded span with its rate: the record's `ot=th:` threshold and
 * `sampling.adjusted_count` = 1/p. A record composed with the trace's upstream threshold already
 * holds the whole chain's probability. Otherwise a `sampling.adjusted_count` the span carries
 * (a stage that was not consistent, so no threshold to compose) multiplies in, and the
 * threshold describes the consistent stages only.
 */
export function annotateKept(span: Span, record: DecisionRecord, reason: string | null): void {
  const attrs = span.attributes;
  let upstream = 1;
  let countIndex = -1;
  let reasonIndex = -1;
  for (let i = 0; i < attrs.length; i++) {
    const key = attrs[i].key;
    if (key === ADJUSTED_COUNT) {
      countIndex = i;
      const v = numberOf(attrs[i].value);
      if (!record.composed && v >= 1 && v < Infinity) upstream = v;
    } else if (key === REASON) {
      reasonIndex = i;
    }
  }
  const count: KeyValue = { key: ADJUSTED_COUNT, value: { doubleValue: upstream / record.probability } };
  if (countIndex >= 0) attrs[countIndex] = count;
  else attrs.push(count);
  span.traceState = mergeThreshold(span.traceState, record.th);
  if (reason !== null) {
    const kv: KeyValue = { key: REASON, value: { stringValue: reason } };
    if (reasonIndex >= 0) attrs[reasonIndex] = kv;
    else attrs.push(kv);
  }
}

export type EmitFn = (request: Uint8Array, spanCount: number, metadata: unknown) => void;

/**
 * Kept spans of one tick (or one add call), as stamped span bytes grouped so each emitted
 * request carries exactly one metadata object and each resource and scope once. The stamped
 * bytes go back to back into one buffer reused from round to round, not an array per span: at
 * saturation a Uint8Array per kept span (its own backing store) cost more than the copy itself
 * and fed the garbage collector.
 */
export class OutputBatch {
  #byMetadata = new Map<unknown, Map<SpanGroup, number[]>>();
  #bytes = new Uint8Array(MIN_OUTPUT);
  #pos = 0;
  spans = 0;
  /** The group last pushed to and its ranges, until the next drain. */
  #lastGroup: SpanGroup | null = null;
  #lastRanges: number[] | null = null;

  /** Adds src[start, end) followed by `stamp` (maybe empty) as one span of `group`. */
  push(group: SpanGroup, src: Uint8Array, start: number, end: number, stamp: Uint8Array): void {
    // A kept trace's spans mostly share one group: its ranges are found once for the run of them.
    let ranges = this.#lastRanges;
    if (group !== this.#lastGroup || ranges === null) {
      let groups = this.#byMetadata.get(group.metadata);
      if (groups === undefined) {
        groups = new Map();
        this.#byMetadata.set(group.metadata, groups);
      }
      ranges = groups.get(group) ?? null;
      if (ranges === null) {
        ranges = [];
        groups.set(group, ranges);
      }
      this.#lastGroup = group;
      this.#lastRanges = ranges;
    }
    const length = end - start;
    const at = this.#pos;
    const next = at + length + stamp.length;
    if (next > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(next, 2 * this.#bytes.length));
      bufferCopy.call(this.#bytes, grown, 0, 0, at);
      this.#bytes = grown;
    }
    const bytes = this.#bytes;
    // Buffer's copy takes offsets: no subarray view allocated per span.
    bufferCopy.call(src, bytes, at, start, end);
    if (stamp.length > 0) bytes.set(stamp, at + length);
    this.#pos = next;
    ranges.push(at, next);
    this.spans++;
  }

  /** Emits one encoded ExportTraceServiceRequest per metadata object and empties the batch. */
  drain(emit: EmitFn): void {
    if (this.spans === 0) return;
    const byMetadata = this.#byMetadata;
    const bytes = this.#bytes;
    this.#byMetadata = new Map();
    this.#lastGroup = null;
    this.#lastRanges = null;
    this.spans = 0;
    this.#pos = 0;
    // A flush or a burst may have grown the buffer far past a normal round: do not hold that.
    if (bytes.length > MAX_KEPT_OUTPUT) this.#bytes = new Uint8Array(MIN_OUTPUT);
    for (const [metadata, groups] of byMetadata) {
      const byResource = new Map<ResourceGroup, SpanGroup[]>();
      for (const group of groups.keys()) {
        const list = byResource.get(group.resource);
        if (list === undefined) byResource.set(group.resource, [group]);
        else list.push(group);
      }
      emit(...encodeRequest(byResource, groups, bytes), metadata);
    }
  }
}

const MIN_OUTPUT = 64 * 1024;
const MAX_KEPT_OUTPUT = 8 * 1024 * 1024;

/** The kept spans of one emit, by resource, for the two-pass writer: [start, end) pairs into `bytes`. */
interface KeptSpans {
  byResource: Map<ResourceGroup, SpanGroup[]>;
  spansOf: Map<SpanGroup, number[]>;
  bytes: Uint8Array;
}

/** ExportTraceServiceRequest{1: ResourceSpans{head…, 2: ScopeSpans{head…, 2: Span…}}}. */
function encodeRequest(byResource: Map<ResourceGroup, SpanGroup[]>, spansOf: Map<SpanGroup, number[]>, bytes: Uint8Array): [Uint8Array, number] {
  let spanCount = 0;
  for (const ranges of spansOf.values()) spanCount += ranges.length / 2;
  return [encodeMessage<KeptSpans>({ byResource, spansOf, bytes }, keptSize, writeKept), spanCount];
}

function keptSize(w: ProtoWriter, kept: KeptSpans): number {
  let total = 0;
  for (const [resource, groups] of kept.byResource) {
    const resourceSlot = w.reserve();
    let resourceBody = resource.head.length;
    for (const group of groups) {
      const scopeSlot = w.reserve();
      let scopeBody = group.head.length;
      const ranges = kept.spansOf.get(group)!;
      for (let i = 0; i < ranges.length; i += 2) scopeBody += lenField(ranges[i + 1] - ranges[i]);
      w.setSize(scopeSlot, scopeBody);
      resourceBody += lenField(scopeBody);
    }
    w.setSize(resourceSlot, resourceBody);
    total += lenField(resourceBody);
  }
  return total;
}

function writeKept(w: ProtoWriter, kept: KeptSpans): void {
  const bytes = kept.bytes;
  for (const [resource, groups] of kept.byResource) {
    w.byte(RESOURCE_SPANS);
    w.varint(w.nextSize());
    w.raw(resource.head, 0, resource.head.length);
    for (const group of groups) {
      w.byte(SCOPE_SPANS);
      w.varint(w.nextSize());
      w.raw(group.head, 0, group.head.length);
      const ranges = kept.spansOf.get(group)!;
      for (let i = 0; i < ranges.length; i += 2) {
        w.byte(SPANS);
        w.varint(ranges[i + 1] - ranges[i]);
        w.raw(bytes, ranges[i], ranges[i + 1]);
      }
    }
  }
}
