import { describe, expect, test } from 'vitest';
import { countConfigSchema, CountConnector } from '../../src/connectors/count/index.ts';
import { parseWithProblems } from '../../src/config/validate.ts';
import { Batch } from '../../src/core/batch.ts';
import type { Consumer } from '../../src/core/component.ts';
import { internalMetadata } from '../../src/core/metadata.ts';
import { decodeJson } from '../../src/otlp/json.ts';
import type { ExportMetricsServiceRequest } from '../../src/otlp/types.ts';

// The count connector on hand-built batches: counts by OTTL condition per resource, the
// Collector's default metrics, and its config errors with their paths.

const TRACES = JSON.stringify({
  resourceSpans: [
    { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeSpans: [{ spans: [
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /cart', kind: 2, status: { code: 2 }, events: [{ name: 'exception' }, { name: 'retry' }] },
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b175', name: 'db', kind: 3, attributes: [{ key: 'env', value: { stringValue: 'prod' } }] },
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b176', name: 'db', kind: 3 },
    ] }] },
    { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pay' } }] }, scopeSpans: [{ spans: [
      { traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b177', name: 'db', kind: 3 },
    ] }] },
  ],
});

function run(config: unknown, from: 'traces' | 'logs' = 'traces') {
  const out: ExportMetricsServiceRequest[] = [];
  const next: Consumer = { consume: async (batch) => void out.push(batch.request as ExportMetricsServiceRequest) };
  return { connector: new CountConnector(countConfigSchema.parse(config), from, next, () => 1_700_000_000_000), out };
}

const counts = (request: ExportMetricsServiceRequest) =>
  request.resourceMetrics.map((rm) => [rm.resource!.attributes[0].value.stringValue, Object.fromEntries(rm.scopeMetrics[0].metrics.map((m) => [m.name, Number(m.sum!.dataPoints[0].asInt)]))]);

describe('count', () => {
  test('counts items by OTTL condition, per resource, as delta sums emitted with each batch', async () => {
    const { connector, out } = run({
      spans: { 'db.calls': { conditions: ['name == "db"'] }, 'errors': { conditions: ['status.code == STATUS_CODE_ERROR', 'attributes["env"] == "staging"'] }, 'all.spans': {} },
      spanevents: { 'exceptions': { conditions: ['name == "exception"'] } },
    });
    await connector.consume(Batch.fromRequest('traces', decodeJson('traces', TRACES), internalMetadata()));
    expect(out).toHaveLength(1);
    expect(counts(out[0])).toEqual([
      ['shop', { 'db.calls': 2, errors: 1, 'all.spans': 3, exceptions: 1 }],
      ['pay', { 'db.calls': 1, 'all.spans': 1 }],
    ]);
    const metric = out[0].resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect(metric.sum!.aggregationTemporality).toBe(1);
    expect(metric.sum!.isMonotonic).toBe(true);
  });

  test("without metrics for a kind, the Collector's default metric counts every item", async () => {
    const { connector, out } = run({});
    await connector.consume(Batch.fromRequest('traces', decodeJson('traces', TRACES), internalMetadata()));
    expect(counts(out[0])).toEqual([
      ['shop', { 'trace.span.count': 3, 'trace.span.event.count': 2 }],
      ['pay', { 'trace.span.count': 1 }],
    ]);
  });

  test('a bad condition and counting by attributes are refused with their paths', () => {
    const problems = parseWithProblems(countConfigSchema, { logs: { x: { conditions: ['body ==='], attributes: [{ key: 'k' }] } }, tracez: {} }, 'connectors.count').problems;
    expect(problems.map((p) => p.path).sort()).toEqual(['connectors.count.logs.x.attributes', 'connectors.count.logs.x.conditions[0]', 'connectors.count.tracez']);
    expect(problems.find((p) => p.path.endsWith('attributes'))!.message).toBe('counting by attributes is not supported by Sluice yet');
  });
});
