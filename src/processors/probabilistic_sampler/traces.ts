import type { Batch } from '../../core/batch.ts';
import { DROP as SPAN_DROP, EDIT, encodeAttributeField, KEEP as SPAN_KEEP, LazySpan, rewriteSpans, type SpanEdits, type SpanVisitor } from '../../ottl/span-bytes.ts';
import { idRandomnessHi, idRandomnessLo, mergeThreshold, readRandomness, readThreshold } from '../../otlp/sampling-threshold.ts';
import { varintSize, writeVarint } from '../../otlp/proto/writer.ts';
import type { ProbabilisticSamplerConfig } from './config.ts';
import { canonicalThreshold, Decider, DROP, hashRandomness, isRandomness, KEEP, priorityNumber, Randomness, Result } from './decide.ts';

// Spans are decided where they lie in the request's bytes: the visitor reads the trace id, the
// trace_state and two attributes (`sampling.priority`, `sampling.adjusted_count`) without
// decoding the span. A kept span gets its trace_state replaced (or appended) and its
// `sampling.adjusted_count` set, as byte-range edits; everything else is copied verbatim. The
// common stamp (no trace_state before, no count before) is encoded once per threshold.

const enc = new TextEncoder();
const PRIORITY = enc.encode('sampling.priority');
export const ADJUSTED_COUNT = 'sampling.adjusted_count';
const ADJUSTED_COUNT_KEY = enc.encode(ADJUSTED_COUNT);
const TRACE_STATE_TAG = (3 << 3) | 2;

/** The trace_state field (tag included) holding `text`. */
function traceStateField(text: string): Uint8Array {
  const body = enc.encode(text);
  const out = new Uint8Array(1 + varintSize(body.length) + body.length);
  out[0] = TRACE_STATE_TAG;
  out.set(body, writeVarint(out, 1, body.length));
  return out;
}

export function createTraceSampler(config: ProbabilisticSamplerConfig): { process(batch: Batch): Batch | null; decider: Decider } {
  const decider = new Decider(config, false);
  const hashSeed = decider.mode === 'hash_seed';
  const seed = config.hash_seed;
  const lazy = new LazySpan();
  const r = new Randomness();
  const result = new Result();
  // The stamp for a span that had neither trace_state nor a count: trace_state + count, by th.
  const plainStamps = new Map<string, Uint8Array>();
  // Upstream tracestates repeat (one SDK writes the same vendor entries), and so do counts.
  const mergedStates = new Map<string, Uint8Array>();
  const counts = new Map<number, Uint8Array>();

  const plainStamp = (th: string, probability: number): Uint8Array => {
    let stamp = plainStamps.get(th);
    if (stamp === undefined) {
      const ts = traceStateField('ot=th:' + th);
      const count = encodeAttributeField(ADJUSTED_COUNT, { doubleValue: 1 / probability })!;
      stamp = new Uint8Array(ts.length + count.length);
      stamp.set(ts, 0);
      stamp.set(count, ts.length);
      plainStamps.set(th, stamp);
    }
    return stamp;
  };

  const decideSpan = (bytes: Uint8Array, start: number, end: number, edits: SpanEdits): number => {
    lazy.reset(bytes, start, end);
    let forced = false;
    if (lazy.attributeStarts.length > 0) {
      const priority = priorityNumber(lazy.attributeValue(PRIORITY));
      // OpenTracing's sampling.priority: 0 drops whatever the rate, above 0 keeps.
      if (priority === 0) return SPAN_DROP;
      forced = priority > 0;
    }
    const tsField = lazy.traceStateField();
    const ts = tsField === undefined ? '' : lazy.traceState;
    let arriving: string | undefined = '';
    let rv: string | undefined;
    if (ts.length > 0) {
      const th = readThreshold(ts);
      if (th !== undefined) arriving = canonicalThreshold(th) || undefined;
      rv = readRandomness(ts);
    }
    const idAt = lazy.traceIdAt;
    const validId = lazy.traceIdLength === 16 && !zeroId(bytes, idAt);
    let inUse = false;
    if (hashSeed) {
      // The Collector hashes whatever id there is, empty ones included.
      hashRandomnessOfId(seed, bytes, idAt, lazy.traceIdLength, r);
      inUse = rv !== undefined || (arriving !== '');
    } else if (isRandomness(rv)) r.setHex(rv);
    else if (validId) r.set(idRandomnessHi(bytes, idAt), idRandomnessLo(bytes, idAt), '');
    else r.clear();
    const outcome = decider.decide(r, arriving, inUse, decider.base, forced, result);
    if (outcome === DROP) return SPAN_DROP;
    if (outcome === KEEP) return SPAN_KEEP;
    const countAt = lazy.findAttribute(ADJUSTED_COUNT_KEY);
    if (tsField === undefined && countAt === undefined && result.rv === '') {
      edits.replace(end, end, plainStamp(result.th, result.probability));
      return EDIT;
    }
    // Rare path: merge into an existing trace_state, replace an existing count.
    let count = 1 / result.probability;
    if (countAt !== undefined && arriving === '') {
      // A count without a threshold came from a stage that was not consistent: it multiplies.
      const upstream = priorityNumber(lazy.attributeValue(ADJUSTED_COUNT_KEY));
      if (upstream >= 1 && upstream < Infinity) count *= upstream;
    }
    const tsBytes = result.rv === '' ? cached(mergedStates, ts + '\n' + result.th, () => traceStateField(mergeThreshold(ts, result.th)))
      : traceStateField(mergeThreshold(ts, result.th + ';rv:' + result.rv)); // mergeThreshold keeps the text after "th:" whole
    const countBytes = cached(counts, count, () => encodeAttributeField(ADJUSTED_COUNT, { doubleValue: count })!);
    const a: [number, number, Uint8Array] = tsField === undefined ? [end, end, tsBytes] : [tsField[0], tsField[1], tsBytes];
    const b: [number, number, Uint8Array] = countAt === undefined ? [end, end, countBytes] : [countAt[0], countAt[1], countBytes];
    const [first, second] = a[0] <= b[0] ? [a, b] : [b, a];
    edits.replace(first[0], first[1], first[2]);
    edits.replace(second[0], second[1], second[2]);
    return EDIT;
  };

  const visitor: SpanVisitor = { resource() {}, scope() {}, span: decideSpan };

  return {
    decider,
    process(batch) {
      const out = rewriteSpans(batch.bytes(), visitor, true);
      if (out.bytes === batch.bytes()) return batch;
      const left = batch.itemCount - out.dropped;
      if (left === 0) return null;
      batch.replaceBytes(out.bytes, left);
      return batch;
    },
  };
}

/** A bounded memo: past 1024 entries, values are computed each time (never a growing map). */
function cached<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    if (map.size < 1024) map.set(key, v);
  }
  return v;
}

function zeroId(u8: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (u8[at + i] !== 0) return false;
  return true;
}

const ZERO_ID = new Uint8Array(16);

/** The Collector hashes a missing id as its 16 zero bytes. */
function hashRandomnessOfId(seed: number, u8: Uint8Array, at: number, length: number, r: Randomness): void {
  if (at < 0) hashRandomness(seed, ZERO_ID, 0, 16, r);
  else hashRandomness(seed, u8, at, at + length, r);
}
