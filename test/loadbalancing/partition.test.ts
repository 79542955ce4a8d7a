import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { HashRing, routingRule } from '../../src/exporters/loadbalancing/index.ts';
import { hashBytes, partitionRequest } from '../../src/otlp/proto/partition.ts';
import { decodeRequest, encodeRequest } from '../../src/otlp/protobuf.ts';
import { scanRequest } from '../../src/otlp/proto/scan.ts';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/types.ts';
import { buildTraces, hex, requestOf, type TraceSpec } from '../adaptive_sampling/sdk-traces.ts';
import { sdkLogs, sdkMetrics, sdkSpans } from '../otlp/sdk-fixtures.ts';

const ring = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317']);
const ownerOf = (h: number) => ring.ownerOf(h);

function serviceOf(attributes: { key: string; value: { stringValue?: string } }[] | undefined): string | undefined {
  return attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
}

describe('partitionRequest', () => {
  it('sends every span of a trace to its trace id owner, once, with its own resource and scope', async () => {
    const specs: TraceSpec[] = Array.from({ length: 60 }, (_, i) => ({ service: `svc-${i % 4}`, rootName: `root-${i}`, children: 3, rootDurationMs: 5 }));
    const traces = await buildTraces(specs);
    // Interleave traces and services in one request, as a batch from several clients would be.
    const items = traces.flatMap((t) => t.items);
    const bytes = encodeRequest('traces', requestOf(items));
    const { parts, items: counts } = partitionRequest(bytes, routingRule('traces', 'traceID'), ring.size, ownerOf);

    const seen = new Map<string, number>(); // span id -> owner
    for (let o = 0; o < parts.length; o++) {
      const part = parts[o];
      expect(part).toBeDefined();
      expect(scanRequest('traces', part!)).toBe(counts[o]);
      const request = decodeRequest('traces', part!) as ExportTraceServiceRequest;
      for (const rs of request.resourceSpans) {
        for (const ss of rs.scopeSpans) {
          expect(ss.spans.length).toBeGreaterThan(0); // no empty scope entries
          for (const span of ss.spans) {
            expect(ring.ownerOf(hashBytes(span.traceId, 0, 16))).toBe(o);
            const original = items.find((it) => hex(it.span.spanId) === hex(span.spanId))!;
            expect(serviceOf(rs.resource?.attributes)).toBe(serviceOf(original.resource?.attributes));
            expect(ss.scope?.name).toBe(original.scope?.name);
            expect(span.name).toBe(original.span.name);
            expect(seen.has(hex(span.spanId))).toBe(false);
            seen.set(hex(span.spanId), o);
          }
        }
      }
    }
    expect(seen.size).toBe(items.length);
    // Whole traces: all spans of one trace share an owner.
    for (const t of traces) expect(new Set(t.items.map((it) => seen.get(hex(it.span.spanId)))).size).toBe(1);
  });

  it('hands back the request itself when one owner gets everything', async () => {
    const [t] = await buildTraces([{ service: 'one', rootName: 'r', children: 5, rootDurationMs: 1 }]);
    const bytes = encodeRequest('traces', requestOf(t.items));
    const { parts, items } = partitionRequest(bytes, routingRule('traces', 'traceID'), ring.size, ownerOf);
    const owner = parts.findIndex((p) => p !== undefined);
    expect(parts[owner]).toBe(bytes);
    expect(items[owner]).toBe(6);
    expect(parts.filter((p) => p !== undefined)).toHaveLength(1);
  });

  it('routes SDK-serialised requests whole by service, copying entries verbatim', async () => {
    const spans = [...(await sdkSpans(4))];
    const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
    const { parts, items } = partitionRequest(bytes, routingRule('traces', 'service'), ring.size, ownerOf);
    const total = items.reduce((a, b) => a + b, 0);
    expect(total).toBe(scanRequest('traces', bytes));
    const original = decodeRequest('traces', bytes) as ExportTraceServiceRequest;
    const owners = new Set(original.resourceSpans.map((rs) => ring.ownerOf(hashBytes(Buffer.from(serviceOf(rs.resource?.attributes) ?? ''), 0, Buffer.byteLength(serviceOf(rs.resource?.attributes) ?? '')))));
    expect(parts.filter((p) => p !== undefined)).toHaveLength(owners.size);
  });

  /** Every third-level item of every part, with the owner whose part it is in. */
  function itemsByOwner<T>(parts: (Uint8Array | undefined)[], items: (part: Uint8Array) => T[]): Array<{ owner: number; item: T }> {
    return parts.flatMap((part, owner) => (part === undefined ? [] : items(part).map((item) => ({ owner, item }))));
  }

  it('routes metrics by metric name and logs by trace id', async () => {
    const metrics = (await sdkMetrics('delta')).proto;
    const metricsOf = (bytes: Uint8Array) => (decodeRequest('metrics', bytes) as ExportMetricsServiceRequest).resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    const byName = itemsByOwner(partitionRequest(metrics, routingRule('metrics', 'metric'), ring.size, ownerOf).parts, metricsOf);
    for (const { owner, item } of byName) expect(ring.ownerOf(hashBytes(Buffer.from(item.name), 0, Buffer.byteLength(item.name)))).toBe(owner);
    expect(byName.length).toBe(metricsOf(metrics).length);

    const logs = (await sdkLogs()).proto;
    const recordsOf = (bytes: Uint8Array) => (decodeRequest('logs', bytes) as ExportLogsServiceRequest).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
    const byTrace = itemsByOwner(partitionRequest(logs, routingRule('logs', 'traceID'), ring.size, ownerOf).parts, recordsOf);
    for (const { owner, item } of byTrace) if (item.traceId.length === 16) expect(ring.ownerOf(hashBytes(item.traceId, 0, 16))).toBe(owner);
    expect(byTrace.length).toBe(scanRequest('logs', logs));
  });

  it('refuses a routing key that does not fit the signal', () => {
    expect(() => routingRule('metrics', 'traceID')).toThrow(/traces and logs/);
    expect(() => routingRule('traces', 'metric')).toThrow(/metrics only/);
    expect(routingRule('metrics', undefined)).toEqual(routingRule('metrics', 'service'));
  });
});

describe('HashRing', () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => hashBytes(Buffer.from(`trace-${i}`), 0, Buffer.from(`trace-${i}`).length));
  const endpoints = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:4317`);
  const owners = (r: HashRing) => keys.map((k) => r.endpoints[r.ownerOf(k)]);

  it('spreads keys evenly and does not depend on the order endpoints are listed in', () => {
    const r = new HashRing(endpoints(5));
    const counts = new Map<string, number>();
    for (const e of owners(r)) counts.set(e, (counts.get(e) ?? 0) + 1);
    for (const c of counts.values()) expect(Math.abs(c / keys.length - 0.2)).toBeLessThan(0.05);
    expect(owners(new HashRing([...endpoints(5)].reverse()))).toEqual(owners(r));
  });

  it('moves about 1/N of the keys when one of N backends is added or removed, and only to or from it', () => {
    const before = owners(new HashRing(endpoints(4)));
    const grown = owners(new HashRing(endpoints(5)));
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] === grown[i]) continue;
      moved++;
      expect(grown[i]).toBe('10.0.0.5:4317');
    }
    expect(moved / keys.length).toBeGreaterThan(0.12);
    expect(moved / keys.length).toBeLessThan(0.28);

    const shrunk = owners(new HashRing(endpoints(5).filter((e) => e !== '10.0.0.2:4317')));
    for (let i = 0; i < keys.length; i++) if (grown[i] !== '10.0.0.2:4317') expect(shrunk[i]).toBe(grown[i]);
  });
});
