import type { Batch } from '../../core/batch.ts';
import { idRandomnessHi, idRandomnessLo } from '../../otlp/sampling-threshold.ts';
import type { AnyValue, KeyValue, LogRecord } from '../../otlp/types.ts';
import type { ProbabilisticSamplerConfig } from './config.ts';
import { canonicalThreshold, Decider, DROP, hashRandomness, isRandomness, KEEP, percentageThreshold, priorityNumber, Randomness, Result, type Threshold } from './decide.ts';
import { ADJUSTED_COUNT } from './traces.ts';

// Log records carry the threshold and randomness as attributes (`sampling.threshold`,
// `sampling.randomness`), as the Collector writes them, since a record has no tracestate.
// Records are decided on the decoded request: a log record's attributes are where all the
// inputs are, and a request where nothing was dropped or stamped keeps its bytes.

const THRESHOLD = 'sampling.threshold';
const RANDOMNESS = 'sampling.randomness';

export function createLogSampler(config: ProbabilisticSamplerConfig): { process(batch: Batch): Batch | null; decider: Decider } {
  const decider = new Decider(config, true);
  const hashSeed = decider.mode === 'hash_seed';
  const seed = config.hash_seed;
  const fromRecordFirst = config.attribute_source === 'record';
  const fromAttribute = config.from_attribute;
  const priorityKey = config.sampling_priority;
  const r = new Randomness();
  const result = new Result();
  // Thresholds by priority percentage: a handful of distinct values in practice.
  const byPriority = new Map<number, Threshold | undefined>();

  const targetFor = (record: LogRecord): Threshold | undefined | null => {
    if (priorityKey === '') return decider.base;
    const pct = priorityNumber(find(record.attributes, priorityKey)?.value);
    if (Number.isNaN(pct)) return decider.base;
    if (pct <= 0) return null; // priority 0: never kept
    let t = byPriority.get(pct);
    if (t === undefined && !byPriority.has(pct)) {
      t = percentageThreshold(decider.mode, pct, config.sampling_precision);
      if (byPriority.size < 1024) byPriority.set(pct, t);
    }
    return t;
  };

  /**
   * DROP, KEEP or STAMP for one record. Randomness: in hash_seed mode the hash of the trace id
   * (`attribute_source: traceID`; without one, of `from_attribute`) or of `from_attribute` (`record`); otherwise a valid `sampling.randomness`, else the trace id's low
   * 56 bits (`traceID`), else the hash of `from_attribute`, which is then written as
   * `sampling.randomness` so later samplers decide on the same R.
   */
  const decideRecord = (record: LogRecord): number => {
    const target = targetFor(record);
    if (target === null) return DROP;
    const attrs = record.attributes;
    const thAttr = find(attrs, THRESHOLD);
    const rvAttr = find(attrs, RANDOMNESS);
    let arriving: string | undefined = thAttr === undefined ? '' : canonicalThreshold(thAttr.value.stringValue) || undefined;
    const rvText = rvAttr?.value.stringValue;
    let inUse = false;
    r.clear();
    if (hashSeed) {
      if (fromRecordFirst) hashAttribute(record);
      else if (validId(record.traceId)) hashRandomness(seed, record.traceId, 0, 16, r);
      else {
        // No trace id: from_attribute when the record has it (the Collector's README), else the
        // zero id's hash, as the Collector's code hashes an empty id.
        hashAttribute(record);
        if (!r.present) hashRandomness(seed, ZERO_ID, 0, 16, r);
      }
      inUse = rvAttr !== undefined || thAttr !== undefined;
    } else if (rvAttr !== undefined) {
      if (isRandomness(rvText)) r.setHex(rvText);
      else arriving = undefined; // a malformed rv: the record's sampling information is unreadable
    } else if (!fromRecordFirst && validId(record.traceId)) {
      r.set(idRandomnessHi(record.traceId, 0), idRandomnessLo(record.traceId, 0), '');
    } else {
      hashAttribute(record);
    }
    return decider.decide(r, arriving, inUse, target, isAlways(target), result);
  };

  const hashAttribute = (record: LogRecord): void => {
    if (fromAttribute === '') return;
    const kv = find(record.attributes, fromAttribute);
    if (kv === undefined) return;
    const bytes = valueBytes(kv.value);
    hashRandomness(seed, bytes, 0, bytes.length, r);
  };

  return {
    decider,
    process(batch) {
      const request = (batch as Batch<'logs'>).request;
      let changed = false;
      let left = 0;
      for (const rl of request.resourceLogs) {
        for (const sl of rl.scopeLogs) {
          const kept: LogRecord[] = [];
          for (const record of sl.logRecords) {
            const outcome = decideRecord(record);
            if (outcome === DROP) {
              changed = true;
              continue;
            }
            if (outcome !== KEEP) {
              stamp(record, result);
              changed = true;
            }
            kept.push(record);
          }
          sl.logRecords = kept;
          left += kept.length;
        }
        rl.scopeLogs = rl.scopeLogs.filter((sl) => sl.logRecords.length > 0);
      }
      if (!changed) return batch;
      if (left === 0) return null;
      request.resourceLogs = request.resourceLogs.filter((rl) => rl.scopeLogs.length > 0);
      batch.mutate(); // edited in place: drop the stale bytes and count
      return batch;
    },
  };
}

const ZERO_ID = new Uint8Array(16);

function validId(id: Uint8Array): boolean {
  if (id.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (id[i] !== 0) return true;
  return false;
}

/** A priority of 100% or more keeps the record whatever its randomness. */
function isAlways(t: Threshold | undefined): boolean {
  return t !== undefined && t.th === '0';
}

function find(attrs: KeyValue[], key: string): KeyValue | undefined {
  for (let i = 0; i < attrs.length; i++) if (attrs[i].key === key) return attrs[i];
  return undefined;
}

function upsert(attrs: KeyValue[], key: string, value: AnyValue): void {
  for (let i = 0; i < attrs.length; i++) {
    if (attrs[i].key === key) {
      attrs[i] = { key, value };
      return;
    }
  }
  attrs.push({ key, value });
}

function stamp(record: LogRecord, result: Result): void {
  const attrs = record.attributes;
  upsert(attrs, THRESHOLD, { stringValue: result.th });
  if (result.rv !== '') upsert(attrs, RANDOMNESS, { stringValue: result.rv });
  upsert(attrs, ADJUSTED_COUNT, { doubleValue: 1 / result.probability });
}

const utf8 = new TextEncoder();

/** The bytes hashed for an attribute: a string's UTF-8, bytes as they are, anything else as its text. */
function valueBytes(v: AnyValue): Uint8Array {
  if (v.stringValue !== undefined) return utf8.encode(v.stringValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.intValue !== undefined) return utf8.encode(String(v.intValue));
  if (v.doubleValue !== undefined) return utf8.encode(String(v.doubleValue));
  if (v.boolValue !== undefined) return utf8.encode(String(v.boolValue));
  return new Uint8Array(0);
}
