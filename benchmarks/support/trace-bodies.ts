// The chain benchmarks' request bodies: 100 spans (10 traces × 10 spans) with new trace ids in
// every request, one error trace in twenty, clean values or PII in every span (an email in a URL
// query, a card number and an email in a db.statement, a phone number). The URL and the statement
// of each span repeat from request to request, or, with uniqueValues, are new in every span of
// every request (a value cache then never hits: its cost without its gain).
import { encodeTraces } from '../../src/otlp/protobuf.ts';
import type { ExportTraceServiceRequest, KeyValue, Span } from '../../src/otlp/types.ts';

export const SPANS_PER_REQUEST = 100;

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { intValue: BigInt(value) } });
const id = (n: number, bytes: number) => { const b = new Uint8Array(bytes); new DataView(b.buffer).setUint32(bytes - 4, n); b[0] = 0x5a; return b; };

/** Eight letters that bodies() overwrites with a code new in every span of every request (uniqueValues). */
const UNIQUE_MARK = 'qqqqqqqq';

function spanAttributes(pii: boolean, i: number, unique: boolean): KeyValue[] {
  // Letters, not digits: a new number could look like a phone number and make a clean value dirty.
  const u = unique ? UNIQUE_MARK : '';
  return [
    str('http.method', 'GET'),
    str('http.url', pii ? `https://shop.example.com/api/orders?email=jane.doe${i}${u}@example.com&page=2` : `https://shop.example.com/api/orders?customer=c-00${i}42${u}&page=2`),
    str('http.route', '/api/orders'),
    int('http.status_code', 200),
    str('db.system', 'postgresql'),
    str('db.statement', pii
      ? `UPDATE payments SET card = '4111 1111 1111 1111', email = 'john.smith${i}${u}@example.org' WHERE id = 7`
      : `UPDATE payments SET state = 'settled-0000', note = 'batch run ${i} for region ${u}' WHERE id = 7`),
    str('user.phone', pii ? '+1 (555) 123-4567' : 'not-recorded-here'),
    str('net.peer.name', 'payments.internal'),
    int('thread.id', 17),
    str('component', 'checkout'),
  ];
}

/**
 * One request template (10 traces × 10 spans) with marker trace ids, and where each trace id sits,
 * so every request can get new trace ids by overwriting them in a copy. With `error`, the first
 * trace's spans carry status ERROR.
 */
function template(pii: boolean, error: boolean, unique: boolean): { bytes: Buffer; offsets: number[]; marks: number[] } {
  const spans: Span[] = [];
  const t0 = 1_764_800_000_000_000_000n;
  for (let t = 0; t < 10; t++) {
    for (let s = 0; s < 10; s++) {
      spans.push({
        traceId: id(0xa5a50000 + t, 16), spanId: id(t * 10 + s + 1, 8), traceState: '',
        parentSpanId: s === 0 ? new Uint8Array(0) : id(t * 10 + 1, 8), flags: 1,
        name: s === 0 ? 'GET /api/orders' : `SELECT payments ${s}`, kind: s === 0 ? 2 : 3,
        startTimeUnixNano: t0 + BigInt(s * 1000), endTimeUnixNano: t0 + BigInt(s * 1000 + 900_000),
        attributes: spanAttributes(pii, s, unique), droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
        links: [], droppedLinksCount: 0, status: error && t === 0 ? { code: 2, message: 'boom' } : undefined,
      });
    }
  }
  const req: ExportTraceServiceRequest = {
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'checkout'), str('host.name', 'node-7'), str('deployment.environment', 'prod')], droppedAttributesCount: 0, entityRefs: [] },
      scopeSpans: [{ scope: { name: 'bench', version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
      schemaUrl: '',
    }],
  };
  const bytes = Buffer.from(encodeTraces(req));
  const offsets: number[] = [];
  for (let t = 0; t < 10; t++) {
    const marker = Buffer.from(id(0xa5a50000 + t, 16));
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 16)) offsets.push(at);
  }
  if (offsets.length !== 100) throw new Error(`expected 100 trace ids in the template, found ${offsets.length}`);
  const marks: number[] = [];
  for (let at = bytes.indexOf(UNIQUE_MARK); at >= 0; at = bytes.indexOf(UNIQUE_MARK, at + UNIQUE_MARK.length)) marks.push(at);
  if (unique && marks.length !== 200) throw new Error(`expected 200 unique-value marks in the template, found ${marks.length}`);
  return { bytes, offsets, marks };
}

/**
 * Bodies with new, random-looking trace ids each time; every other request has one error trace of
 * ten (5%). With uniqueValues, each span's URL and statement are new too. With `reuse`, each body
 * is one of that many buffers, rewritten in turn (for callers that copy what they keep).
 */
export function bodies(pii: boolean, seed = 0, options: { uniqueValues?: boolean; reuse?: number } = {}): () => Buffer {
  const plain = template(pii, false, options.uniqueValues ?? false);
  const failing = template(pii, true, options.uniqueValues ?? false);
  const pool = Array.from({ length: 2 * (options.reuse ?? 0) }, (_, i) => Buffer.from(i % 2 === 0 ? failing.bytes : plain.bytes));
  let code = seed * 0x1000_0000;
  let request = 0;
  // Several load generators (seed 0, 1, …) never send the same trace id.
  let trace = seed * 0x1000_0000;
  return () => {
    const { bytes, offsets, marks } = request % 2 === 0 ? failing : plain;
    const out = pool.length > 0 ? pool[request % pool.length] : Buffer.from(bytes);
    request++;
    for (let i = 0; i < marks.length; i++) {
      // Eight base-26 letters of a counter: a value never sent before.
      let n = code++;
      for (let k = 7; k >= 0; k--) {
        out[marks[i] + k] = 0x61 + (n % 26);
        n = Math.floor(n / 26);
      }
    }
    // Offsets come trace by trace, ten spans each: one new id per trace.
    for (let i = 0; i < offsets.length; i++) {
      if (i % 10 === 0) trace++;
      // The sampler's randomness is the trace id's low 56 bits: make them look random.
      out.writeUInt32BE(trace, offsets[i]);
      out.writeUInt32BE(Math.imul(trace, 0x9e3779b1) >>> 0, offsets[i] + 4);
      out.writeUInt32BE(Math.imul(trace ^ 0x5bd1e995, 0x85ebca6b) >>> 0, offsets[i] + 8);
      out.writeUInt32BE(Math.imul(trace, 0xcc9e2d51) >>> 0, offsets[i] + 12);
    }
    return out;
  };
}

