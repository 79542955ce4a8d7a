// The loadbalancing exporter in-process, against real gRPC backends (the suite's OtlpSink) on
// several loopback addresses and a DNS server on loopback: nothing is mocked but the network.
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import type { Host } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { Telemetry } from '../../src/core/telemetry.ts';
import { MemoryBudget } from '../../src/core/memory.ts';
import { HashRing, loadBalancingExporterConfigSchema, LoadBalancingExporter } from '../../src/exporters/loadbalancing/index.ts';
import { createOtlpGrpcExporter } from '../../src/exporters/shared/otlp-grpc-exporter.ts';
import { hashBytes } from '../../src/otlp/proto/partition.ts';
import { encodeRequest } from '../../src/otlp/protobuf.ts';
import type { ExportTraceServiceRequest } from '../../src/otlp/types.ts';
import { buildTraces, hex, requestOf, type BuiltTrace } from '../adaptive_sampling/sdk-traces.ts';
import { freePorts, metricValue, OtlpSink, tempDir, waitFor } from '../e2e/harness.ts';
import { FileStorage } from '../../src/extensions/file_storage/index.ts';
import { fileStorageConfigSchema } from '../../src/extensions/file_storage/index.ts';
import { LoopbackDns } from './dns-server.ts';

const host: Host = { getExtension: () => undefined, reportHealth: () => {}, onHealth: () => {}, onOverload: () => {}, setOverload: () => {}, memory: new MemoryBudget() };
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sinks(addresses: string[], port: number): Promise<Map<string, OtlpSink>> {
  const out = new Map<string, OtlpSink>();
  for (const address of addresses) {
    const sink = new OtlpSink();
    await sink.startGrpc(port, address);
    cleanups.push(() => sink.stop());
    out.set(address, sink);
  }
  return out;
}

function exporterFor(dns: LoopbackDns, port: number, telemetry: Telemetry, extra: Record<string, unknown> = {}, withHost: Host = host): LoadBalancingExporter {
  const config = loadBalancingExporterConfigSchema.parse({
    resolver: { dns: { hostname: 'gateways.test', port, interval: '100ms', timeout: '1s', server: dns.server } },
    protocol: { otlp: { tls: { insecure: true }, compression: 'none', timeout: '1s', retry_on_failure: { initial_interval: '50ms', max_interval: '100ms', max_elapsed_time: 0 }, ...extra } },
  });
  const exporter = new LoadBalancingExporter({ id: 'loadbalancing', config, telemetry, logger: pino({ level: 'silent' }), host: withHost, signal: 'traces' }, createOtlpGrpcExporter);
  cleanups.push(() => exporter.shutdown());
  return exporter;
}

function batchOf(traces: BuiltTrace[]): Batch {
  const request = requestOf(traces.flatMap((t) => t.items));
  return Batch.fromBytes('traces', encodeRequest('traces', request), traces.reduce((n, t) => n + t.items.length, 0), internalMetadata());
}

/** trace id → addresses that received any of its spans, and span ids seen (with repeats). */
function received(all: Map<string, OtlpSink>): { traceAt: Map<string, Set<string>>; spans: string[] } {
  const traceAt = new Map<string, Set<string>>();
  const spans: string[] = [];
  for (const [address, sink] of all) {
    for (const request of sink.of('traces') as ExportTraceServiceRequest[]) {
      for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) {
        const id = hex(span.traceId);
        if (!traceAt.has(id)) traceAt.set(id, new Set());
        traceAt.get(id)!.add(address);
        spans.push(hex(span.spanId));
      }
    }
  }
  return { traceAt, spans };
}

describe('loadbalancing exporter', () => {
  it('follows a DNS name on a loopback DNS server: adding and removing an address changes the backend set', async () => {
    const dns = new LoopbackDns();
    await dns.start();
    cleanups.push(() => dns.stop());
    const [port] = await freePorts(1);
    dns.records.set('gateways.test', ['127.0.0.2', '127.0.0.3']);
    const telemetry = new Telemetry();
    const exporter = exporterFor(dns, port, telemetry);
    await exporter.start();
    expect(exporter.endpoints).toEqual([`127.0.0.2:${port}`, `127.0.0.3:${port}`]);

    dns.records.set('gateways.test', ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    await waitFor(() => exporter.endpoints.length === 3, 5_000, 'the added address');
    dns.records.set('gateways.test', ['127.0.0.3', '127.0.0.4']);
    await waitFor(() => !exporter.endpoints.includes(`127.0.0.2:${port}`), 5_000, 'the removed address');
    expect(exporter.endpoints).toEqual([`127.0.0.3:${port}`, `127.0.0.4:${port}`]);

    // A failed resolution keeps the last good set rather than emptying the ring.
    dns.records.delete('gateways.test');
    const queries = dns.queries;
    await waitFor(() => dns.queries >= queries + 4, 5_000, 'more resolutions');
    expect(exporter.endpoints).toEqual([`127.0.0.3:${port}`, `127.0.0.4:${port}`]);

    const page = telemetry.render();
    expect(metricValue(page, 'otelcol_loadbalancer_num_backend_updates_total', { resolver: 'dns' })).toBe(3);
    expect(metricValue(page, 'otelcol_loadbalancer_num_backends')).toBe(2);
    expect(metricValue(page, 'sluice_loadbalancer_backend', { endpoint: `127.0.0.4:${port}` })).toBe(1);
    expect(metricValue(page, 'sluice_loadbalancer_backend', { endpoint: `127.0.0.2:${port}` })).toBeUndefined();
  });

  it('routes a dead backend\'s queued data to the new owners when it leaves: nothing lost, traces whole', async () => {
    const dns = new LoopbackDns();
    await dns.start();
    cleanups.push(() => dns.stop());
    const [port] = await freePorts(1);
    const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    const all = await sinks(addresses, port);
    const dead = all.get('127.0.0.3')!;
    dead.failWith = { http: 503, grpc: grpc.status.UNAVAILABLE };
    dns.records.set('gateways.test', addresses);
    const telemetry = new Telemetry();
    const exporter = exporterFor(dns, port, telemetry);
    await exporter.start();

    const traces = await buildTraces(Array.from({ length: 120 }, (_, i) => ({ service: `svc-${i % 3}`, rootName: `r${i}`, children: 4, rootDurationMs: 1 })));
    const abort = new AbortController();
    for (let i = 0; i < traces.length; i += 10) await exporter.push(batchOf(traces.slice(i, i + 10)), abort.signal);
    // The healthy backends get their share; the dead one's share waits in its queue.
    const live = new Map([...all].filter(([a]) => a !== '127.0.0.3'));
    // The dead backend's share by the ring: what must move when it leaves.
    const ring = new HashRing(addresses.map((a) => `${a}:${port}`));
    const deadShare = traces.filter((t) => ring.endpoints[ring.ownerOf(hashBytes(t.items[0].span.traceId, 0, 16))] === `127.0.0.3:${port}`).reduce((n, t) => n + t.items.length, 0);
    expect(deadShare).toBeGreaterThan(0);
    await waitFor(() => received(live).spans.length === 600 - deadShare, 5_000, 'the live backends\' share');

    dns.records.set('gateways.test', ['127.0.0.2', '127.0.0.4']);
    await waitFor(() => received(live).spans.length >= 600, 10_000, 'every span at a live backend');
    const { traceAt, spans } = received(live);
    expect(new Set(spans).size).toBe(600);
    expect(spans.length).toBe(600); // nothing twice: the dead backend never acknowledged anything
    for (const t of traces) expect(traceAt.get(t.id)?.size).toBe(1);
    expect(metricValue(telemetry.render(), 'sluice_loadbalancer_rerouted_items_total')).toBe(deadShare);
  });

  it('takes back a backend that left and returned at once, reopening its on-disk queue after the hand-over', async () => {
    const dns = new LoopbackDns();
    await dns.start();
    cleanups.push(() => dns.stop());
    const [port] = await freePorts(1);
    const addresses = ['127.0.0.2', '127.0.0.3'];
    const all = await sinks(addresses, port);
    all.get('127.0.0.3')!.failWith = { http: 503, grpc: grpc.status.UNAVAILABLE };
    dns.records.set('gateways.test', addresses);
    const telemetry = new Telemetry();
    const storage = new FileStorage(fileStorageConfigSchema.parse({ directory: tempDir('lb-queue-') }), telemetry, pino({ level: 'silent' }));
    const storageHost: Host = { ...host, getExtension: <T>(id: string) => (id === 'file_storage' ? (storage as T) : undefined) };
    const exporter = exporterFor(dns, port, telemetry, { sending_queue: { storage: 'file_storage' } }, storageHost);
    await exporter.start();
    const traces = await buildTraces(Array.from({ length: 40 }, (_, i) => ({ service: 's', rootName: `r${i}`, children: 1, rootDurationMs: 1 })));
    await exporter.push(batchOf(traces), new AbortController().signal);

    // It leaves and comes back between two resolutions' worth of time: the second change waits
    // for the first hand-over instead of failing on the queue directory's lock.
    dns.records.set('gateways.test', ['127.0.0.2']);
    await waitFor(() => exporter.endpoints.length === 1, 5_000, 'the removal');
    dns.records.set('gateways.test', addresses);
    await waitFor(() => exporter.endpoints.length === 2, 5_000, 'the return');
    all.get('127.0.0.3')!.failWith = undefined;
    await waitFor(() => received(all).spans.length >= 80, 10_000, 'every span delivered');
    expect(new Set(received(all).spans).size).toBe(80);
    expect(metricValue(telemetry.render(), 'otelcol_loadbalancer_num_backend_updates_total')).toBe(3);
  });
});
