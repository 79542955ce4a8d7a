import type {
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  Resource,
  ResourceSpans,
  Span,
} from '../../otlp/types.ts';
import type { DecisionRecord } from './key-rates.ts';
import { numberOf } from './rules.ts';
import { mergeThreshold, quantizeProbability, readThreshold, thresholdToProbability } from './threshold.ts';

/**
 * One incoming (request, resource, scope): every span buffered from it points here, so the
 * resource, the scope and the request metadata are held once per request, not once per span.
 */
export class SpanGroup {
  readonly resource: Resource | undefined;
  readonly resourceSchemaUrl: string;
  readonly scope: InstrumentationScope | undefined;
  readonly scopeSchemaUrl: string;
  readonly metadata: unknown;
  readonly serviceName: string;
  readonly resourceAttributes: readonly KeyValue[];

  constructor(
    resource: Resource | undefined,
    resourceSchemaUrl: string,
    scope: InstrumentationScope | undefined,
    scopeSchemaUrl: string,
    metadata: unknown,
    serviceName: string,
  ) {
    this.resource = resource;
    this.resourceSchemaUrl = resourceSchemaUrl;
    this.scope = scope;
    this.scopeSchemaUrl = scopeSchemaUrl;
    this.metadata = metadata;
    this.serviceName = serviceName;
    this.resourceAttributes = resource === undefined ? [] : resource.attributes;
  }
}

export function serviceNameOf(resource: Resource | undefined): string {
  if (resource === undefined) return '';
  const attrs = resource.attributes;
  for (let i = 0; i < attrs.length; i++) {
    if (attrs[i].key === 'service.name') return attrs[i].value.stringValue ?? '';
  }
  return '';
}

export const ADJUSTED_COUNT = 'sampling.adjusted_count';
export const REASON = 'sampling.reason';

/**
 * Stamps a kept span with its rate: `sampling.adjusted_count` = upstream count / p, and the
 * matching `ot=th:` threshold. The upstream count is the span's own `sampling.adjusted_count`
 * when present (a previous Sluice wrote both, so both must not be multiplied in), otherwise the
 * probability of an incoming `th`.
 */
export function annotateKept(span: Span, record: DecisionRecord, reason: string | null, precision: number): void {
  const attrs = span.attributes;
  let upstream = 1;
  let countIndex = -1;
  let reasonIndex = -1;
  for (let i = 0; i < attrs.length; i++) {
    const key = attrs[i].key;
    if (key === ADJUSTED_COUNT) {
      countIndex = i;
      const v = numberOf(attrs[i].value);
      if (v >= 1 && v < Infinity) upstream = v;
    } else if (key === REASON) {
      reasonIndex = i;
    }
  }
  if (countIndex < 0) {
    const th = readThreshold(span.traceState);
    if (th !== undefined) {
      const p = thresholdToProbability(th);
      if (p !== undefined && p > 0) upstream = 1 / p;
    }
  }
  const count: KeyValue = { key: ADJUSTED_COUNT, value: { doubleValue: upstream / record.probability } };
  if (countIndex >= 0) attrs[countIndex] = count;
  else attrs.push(count);
  const th = upstream === 1 ? record.th : quantizeProbability(record.probability / upstream, precision).th;
  span.traceState = mergeThreshold(span.traceState, th);
  if (reason !== null) {
    const kv: KeyValue = { key: REASON, value: { stringValue: reason } };
    if (reasonIndex >= 0) attrs[reasonIndex] = kv;
    else attrs.push(kv);
  }
}

/**
 * Kept spans of one tick (or one add call), grouped so each emitted request carries exactly one
 * metadata object and each resource/scope once.
 */
export class OutputBatch {
  #byMetadata = new Map<unknown, Map<SpanGroup, Span[]>>();
  spans = 0;

  push(group: SpanGroup, span: Span): void {
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

  /** Emits one request per metadata object and empties the batch. */
  drain(emit: (req: ExportTraceServiceRequest, metadata: unknown) => void): void {
    if (this.spans === 0) return;
    const byMetadata = this.#byMetadata;
    this.#byMetadata = new Map();
    this.spans = 0;
    for (const [metadata, groups] of byMetadata) {
      const byResource = new Map<Resource | undefined, ResourceSpans>();
      const resourceSpans: ResourceSpans[] = [];
      for (const [group, spans] of groups) {
        let rs = byResource.get(group.resource);
        if (rs === undefined || rs.schemaUrl !== group.resourceSchemaUrl) {
          rs = { resource: group.resource, scopeSpans: [], schemaUrl: group.resourceSchemaUrl };
          byResource.set(group.resource, rs);
          resourceSpans.push(rs);
        }
        rs.scopeSpans.push({ scope: group.scope, spans, schemaUrl: group.scopeSchemaUrl });
      }
      emit({ resourceSpans }, metadata);
    }
  }
}
