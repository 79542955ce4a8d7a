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

  /** The span at [start, end) of `u8`, stamped, as a new array; `needsMerge` from SpanFacts. */
  stamped(u8: Uint8Array, start: number, end: number, needsMerge: boolean, record: DecisionRecord): Uint8Array {
    if (needsMerge) {
      const span = decodeSpan(u8.subarray(start, end));
      annotateKept(span, record, this.#addReason ? record.reason : null);
      return encodeSpan(span);
    }
    let stamp = this.#stamps.get(record);
    if (stamp === undefined) {
      stamp = encodeStamp(record, this.#addReason);
      this.#stamps.set(record, stamp);
    }
    const length = end - start;
    const out = new Uint8Array(length + stamp.length);
    out.set(u8.subarray(start, end), 0);
    out.set(stamp, length);
    return out;
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
 * request carries exactly one metadata object and each resource and scope once.
 */
export class OutputBatch {
  #byMetadata = new Map<unknown, Map<SpanGroup, Uint8Array[]>>();
  spans = 0;

  push(group: SpanGroup, span: Uint8Array): void {
    let groups = this.#byMetadata.get(group.metadata);
    if (groups === undefined) {
      groups = new Map();
      this.#byMetadata.set(group.metadata, groups);
    }
    let spans = groups.get(group);
    if (spans === undefined) {
      spans = [];
      groups.set(group, spans);
    }
    spans.push(span);
    this.spans++;
  }

  /** Emits one encoded ExportTraceServiceRequest per metadata object and empties the batch. */
  drain(emit: EmitFn): void {
    if (this.spans === 0) return;
    const byMetadata = this.#byMetadata;
    this.#byMetadata = new Map();
    this.spans = 0;
    for (const [metadata, groups] of byMetadata) {
      const byResource = new Map<ResourceGroup, SpanGroup[]>();
      for (const group of groups.keys()) {
        const list = byResource.get(group.resource);
        if (list === undefined) byResource.set(group.resource, [group]);
        else list.push(group);
      }
      emit(...encodeRequest(byResource, groups), metadata);
    }
  }
}

/** The kept spans of one emit, by resource, for the two-pass writer. */
interface KeptSpans {
  byResource: Map<ResourceGroup, SpanGroup[]>;
  spansOf: Map<SpanGroup, Uint8Array[]>;
}

/** ExportTraceServiceRequest{1: ResourceSpans{head…, 2: ScopeSpans{head…, 2: Span…}}}. */
function encodeRequest(byResource: Map<ResourceGroup, SpanGroup[]>, spansOf: Map<SpanGroup, Uint8Array[]>): [Uint8Array, number] {
  let spanCount = 0;
  for (const spans of spansOf.values()) spanCount += spans.length;
  return [encodeMessage<KeptSpans>({ byResource, spansOf }, keptSize, writeKept), spanCount];
}

function keptSize(w: ProtoWriter, kept: KeptSpans): number {
  let total = 0;
  for (const [resource, groups] of kept.byResource) {
    const resourceSlot = w.reserve();
    let resourceBody = resource.head.length;
    for (const group of groups) {
      const scopeSlot = w.reserve();
      let scopeBody = group.head.length;
      for (const span of kept.spansOf.get(group)!) scopeBody += lenField(span.length);
      w.setSize(scopeSlot, scopeBody);
      resourceBody += lenField(scopeBody);
    }
    w.setSize(resourceSlot, resourceBody);
    total += lenField(resourceBody);
  }
  return total;
}

function writeKept(w: ProtoWriter, kept: KeptSpans): void {
  for (const [resource, groups] of kept.byResource) {
    w.byte(RESOURCE_SPANS);
    w.varint(w.nextSize());
    w.raw(resource.head, 0, resource.head.length);
    for (const group of groups) {
      w.byte(SCOPE_SPANS);
      w.varint(w.nextSize());
      w.raw(group.head, 0, group.head.length);
      for (const span of kept.spansOf.get(group)!) {
        w.byte(SPANS);
        w.bytes(span);
      }
    }
  }
}
