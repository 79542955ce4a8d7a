import type { AnyValue, KeyValue, Span } from '../../src/otlp/types.ts';

export const s = (stringValue: string): AnyValue => ({ stringValue });
export const kv = (key: string, value: AnyValue | string): KeyValue => ({ key, value: typeof value === 'string' ? s(value) : value });
export const attrs = (list: KeyValue[]) => Object.fromEntries(list.map((a) => [a.key, a.value]));

/** A server span with one event; `over` replaces any field. */
export function span(name: string, attributes: KeyValue[], over: Partial<Span> = {}): Span {
  return {
    traceId: new Uint8Array(16).fill(7),
    spanId: new Uint8Array(8).fill(3),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name,
    kind: 2,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes,
    droppedAttributesCount: 0,
    events: [{ timeUnixNano: 1n, name: 'ev', attributes: [], droppedAttributesCount: 0 }],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: undefined,
    ...over,
  };
}
