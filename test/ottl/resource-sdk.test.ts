import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { Batch } from '../../src/core/batch.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { createResourceEdit, resourceConfigSchema } from '../../src/processors/resource/index.ts';
import { decodeRequest } from '../../src/otlp/protobuf.ts';
import { scanRequest } from '../../src/otlp/proto/scan.ts';
import type { ExportTraceServiceRequest } from '../../src/otlp/types.ts';
import { sdkSpans } from '../otlp/sdk-fixtures.ts';

describe('resource processor', () => {
  it('stamps, keeps and removes resource attributes and leaves the spans as they were', async () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(await sdkSpans(4))!;
    const batch = Batch.fromBytes('traces', bytes, scanRequest('traces', bytes), internalMetadata());
    const before = decodeRequest('traces', bytes) as ExportTraceServiceRequest;
    const edit = createResourceEdit(resourceConfigSchema.parse({ attributes: [
      { key: 'k8s.node.name', value: 'node-7', action: 'insert' },
      { key: 'service.name', value: 'not-this', action: 'insert' }, // present: insert keeps it
      { key: 'sluice.agent', value: 'agent-x', action: 'upsert' },
      { key: 'host.cpus', action: 'delete' },
      { key: 'absent', value: 1, action: 'update' }, // absent: update adds nothing
    ] }), 'traces');
    const out = batch;
    edit(out);
    const after = decodeRequest('traces', out.bytes()) as ExportTraceServiceRequest;
    expect(out.itemCount).toBe(batch.itemCount);
    for (let i = 0; i < after.resourceSpans.length; i++) {
      const attrs = new Map(after.resourceSpans[i].resource!.attributes.map((kv) => [kv.key, kv.value]));
      expect(attrs.get('k8s.node.name')).toEqual({ stringValue: 'node-7' });
      expect(attrs.get('sluice.agent')).toEqual({ stringValue: 'agent-x' });
      expect(attrs.get('service.name')).toEqual(before.resourceSpans[i].resource!.attributes.find((kv) => kv.key === 'service.name')!.value);
      expect(attrs.has('host.cpus')).toBe(false);
      expect(attrs.has('absent')).toBe(false);
      expect(after.resourceSpans[i].scopeSpans).toEqual(before.resourceSpans[i].scopeSpans);
    }
  });
});
