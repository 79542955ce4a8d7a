import { describe, expect, test } from 'vitest';
import {
  countItems,
  decodeRequest,
  editAttributes,
  encodeRequest,
  metricPoints,
  modelOf,
  requestOf,
  resourceEntries,
  scanRequest,
  SIGNALS,
  type AttributeLevel,
  type KeyValue,
  type Signal,
} from '../../src/otlp/index.ts';
import { sdkLogs, sdkMetrics, sdkTraces, type SdkBytes } from './sdk-fixtures.ts';

const FIXTURES: { readonly [S in Signal]: () => Promise<SdkBytes> } = {
  traces: () => sdkTraces(),
  metrics: () => sdkMetrics('cumulative'),
  logs: () => sdkLogs(),
};

/** Every attribute list of a decoded request with its level, walked by hand (not through the model). */
function attributeLists(signal: Signal, req: ReturnType<typeof decodeRequest>): [AttributeLevel, KeyValue[]][] {
  const out: [AttributeLevel, KeyValue[]][] = [];
  const json = req as unknown as { [k: string]: { resource?: { attributes: KeyValue[] }; [k: string]: unknown }[] };
  const top = { traces: ['resourceSpans', 'scopeSpans', 'spans'], metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'], logs: ['resourceLogs', 'scopeLogs', 'logRecords'] }[signal];
  for (const entry of json[top[0]]) {
    if (entry.resource !== undefined) out.push(['resource', entry.resource.attributes]);
    for (const scoped of entry[top[1]] as { scope?: { attributes: KeyValue[] }; [k: string]: unknown }[]) {
      if (scoped.scope !== undefined) out.push(['scope', scoped.scope.attributes]);
      for (const item of scoped[top[2]] as Record<string, unknown>[]) {
        if (signal !== 'metrics') out.push(['item', item.attributes as KeyValue[]]);
        for (const e of (item.events as { attributes: KeyValue[] }[] | undefined) ?? []) out.push(['event', e.attributes]);
        for (const l of (item.links as { attributes: KeyValue[] }[] | undefined) ?? []) out.push(['link', l.attributes]);
        if (signal === 'metrics') {
          for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
            const points = (item[kind] as { dataPoints: { attributes: KeyValue[] }[] } | undefined)?.dataPoints ?? [];
            for (const p of points) out.push(['item', p.attributes]);
          }
        }
      }
    }
  }
  return out;
}

describe('the signal-generic model', () => {
  test.each(SIGNALS)('%s: editAttributes reaches every resource, scope and item list, as a pure edit', async (signal) => {
    const bytes = (await FIXTURES[signal]()).proto;
    const req = decodeRequest(signal, bytes);
    const before = attributeLists(signal, req).map(([level, list]) => [level, list, list.length] as const);
    expect(new Set(before.map(([level]) => level))).toEqual(
      new Set(signal === 'traces' ? ['resource', 'scope', 'item', 'event', 'link'] : ['resource', 'scope', 'item']),
    );

    editAttributes(signal, req, (attributes, level) => [...attributes, { key: 'edited.at', value: { stringValue: level } }]);

    // The original lists are untouched; the request now holds new ones, each ending in its level.
    for (const [, list, length] of before) expect(list).toHaveLength(length);
    const again = decodeRequest(signal, encodeRequest(signal, req));
    const after = attributeLists(signal, again);
    expect(after).toHaveLength(before.length);
    for (const [level, list] of after) expect(list.at(-1)).toEqual({ key: 'edited.at', value: { stringValue: level } });
  });

  test.each(SIGNALS)('%s: undefined from the edit keeps the list object itself', async (signal) => {
    const req = decodeRequest(signal, (await FIXTURES[signal]()).proto);
    const lists = attributeLists(signal, req).map(([, list]) => list);
    editAttributes(signal, req, () => undefined);
    const kept = attributeLists(signal, req).map(([, list]) => list);
    for (let i = 0; i < lists.length; i++) expect(kept[i]).toBe(lists[i]);
  });

  test.each(SIGNALS)('%s: entries, scopes and items; requestOf and countItems agree with the scanner', async (signal) => {
    const bytes = (await FIXTURES[signal]()).proto;
    const req = decodeRequest(signal, bytes);
    const model = modelOf(signal);
    const entries = resourceEntries(signal, req);
    expect(entries.length).toBeGreaterThan(0);
    expect(countItems(signal, req)).toBe(scanRequest(signal, bytes));
    // Two copies of the entries make a request with twice the items, as concatenated bytes do.
    const doubled = requestOf(signal, [...entries, ...entries]);
    expect(countItems(signal, doubled)).toBe(2 * scanRequest(signal, bytes));
    // A rebuilt entry and scope encode like the originals.
    const rebuilt = entries.map((e) =>
      model.entry(e.resource, model.scopes(e).map((s) => model.scoped(s.scope, model.items(s), s.schemaUrl)), e.schemaUrl),
    );
    expect(Buffer.from(encodeRequest(signal, requestOf(signal, rebuilt)))).toEqual(Buffer.from(bytes));
  });

  test('metricPoints: the points of whichever kind is set, none when none is', async () => {
    const req = decodeRequest('metrics', (await sdkMetrics('delta')).proto);
    const metrics = req.resourceMetrics[0].scopeMetrics[0].metrics;
    const byName = new Map(metrics.map((m) => [m.name, m]));
    expect(metricPoints(byName.get('requests')!)).toBe(byName.get('requests')!.sum!.dataPoints);
    expect(metricPoints(byName.get('temperature')!)).toBe(byName.get('temperature')!.gauge!.dataPoints);
    expect(metricPoints(byName.get('latency')!)).toBe(byName.get('latency')!.histogram!.dataPoints);
    expect(metricPoints(byName.get('exp.latency')!)).toBe(byName.get('exp.latency')!.exponentialHistogram!.dataPoints);
    const summary = { name: 's', description: '', unit: '', metadata: [], summary: { dataPoints: [] } };
    expect(metricPoints(summary)).toBe(summary.summary.dataPoints);
    expect(metricPoints({ name: 'none', description: '', unit: '', metadata: [] })).toEqual([]);
  });
});
