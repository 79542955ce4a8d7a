// Real OpenTelemetry JS SDK traces, serialised by otlp-transformer and decoded by Sluice's codec
// into the types.ts model, then re-cut into requests the way an agent might send them.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type Sampler } from '@opentelemetry/sdk-trace';
import { decodeTraces } from '../../src/otlp/protobuf.ts';
import type { ExportTraceServiceRequest, InstrumentationScope, Resource, ResourceSpans, Span } from '../../src/otlp/types.ts';

export type ErrorKind = 'status' | 'exception' | 'http' | 'grpc';

export interface TraceSpec {
  service: string;
  rootName: string;
  children: number;
  /** -1: no error; 0: the root; k: the k-th child. */
  errorAt?: number;
  errorKind?: ErrorKind;
  rootDurationMs: number;
  rootAttributes?: Attributes;
}

export interface SpanItem {
  span: Span;
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
}

export interface BuiltTrace {
  spec: TraceSpec;
  id: string;
  /** Root first, then children in creation order. */
  items: SpanItem[];
}

const BASE_MS = 1_700_000_000_000;

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Builds the traces with one TracerProvider per service; returns them in spec order. With a
 * head `sampler`, a trace the SDK dropped comes back with no items.
 */
export async function buildTraces(specs: readonly TraceSpec[], opts: { sampler?: Sampler } = {}): Promise<BuiltTrace[]> {
  const providers = new Map<string, { provider: TracerProvider; exporter: InMemorySpanExporter }>();
  const ids: string[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    let p = providers.get(spec.service);
    if (p === undefined) {
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': spec.service }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
        sampler: opts.sampler,
      });
      p = { provider, exporter };
      providers.set(spec.service, p);
    }
    const tracer = p.provider.getTracer('sluice-test', '1.0.0');
    const start = BASE_MS + i;
    const root = tracer.startSpan(spec.rootName, { kind: SpanKind.SERVER, startTime: start, attributes: spec.rootAttributes }, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let c = 1; c <= spec.children; c++) {
      const child = tracer.startSpan(`child-${c}`, { kind: SpanKind.CLIENT, startTime: start + c }, ctx);
      child.setAttribute('db.system', 'postgresql');
      if (spec.errorAt === c) markError(child, spec.errorKind ?? 'status');
      child.end(start + c + 1);
    }
    if (spec.errorAt === 0) markError(root, spec.errorKind ?? 'status');
    root.end(start + spec.rootDurationMs);
    ids.push(root.spanContext().traceId);
  }
  const byId = new Map<string, SpanItem[]>();
  for (const { provider, exporter } of providers.values()) {
    await provider.forceFlush();
    const finished = exporter.getFinishedSpans();
    for (let off = 0; off < finished.length; off += 5000) {
      decodeInto(finished.slice(off, off + 5000), byId);
    }
    exporter.reset();
  }
  return specs.map((spec, i) => {
    const items = byId.get(ids[i]) ?? [];
    items.sort((a, b) => (a.span.parentSpanId.length === 0 ? -1 : b.span.parentSpanId.length === 0 ? 1 : 0));
    return { spec, id: ids[i], items };
  });
}

function markError(span: import('@opentelemetry/api').Span, kind: ErrorKind): void {
  if (kind === 'status') span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  else if (kind === 'exception') span.recordException(new Error('boom'));
  else if (kind === 'http') span.setAttribute('http.response.status_code', 503);
  else span.setAttribute('rpc.grpc.status_code', 14);
}

function decodeInto(spans: ReadableSpan[], byId: Map<string, SpanItem[]>): void {
  const req = decodeTraces(ProtobufTraceSerializer.serializeRequest(spans)!);
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const id = hex(span.traceId);
        let list = byId.get(id);
        if (list === undefined) byId.set(id, (list = []));
        list.push({ span, resource: rs.resource, scope: ss.scope });
      }
    }
  }
}

/** One request holding the items, grouped by their resource and scope objects. */
export function requestOf(items: readonly SpanItem[]): ExportTraceServiceRequest {
  const byResource = new Map<Resource | undefined, ResourceSpans>();
  for (const item of items) {
    let rs = byResource.get(item.resource);
    if (rs === undefined) byResource.set(item.resource, (rs = { resource: item.resource, scopeSpans: [], schemaUrl: '' }));
    let ss = rs.scopeSpans.find((s) => s.scope === item.scope);
    if (ss === undefined) rs.scopeSpans.push((ss = { scope: item.scope, spans: [], schemaUrl: '' }));
    ss.spans.push(item.span);
  }
  return { resourceSpans: [...byResource.values()] };
}

/** A deterministic PRNG for test traffic shapes (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
