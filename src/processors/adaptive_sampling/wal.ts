import type { LogRecord as QueueRecord, RecordLog } from '../../core/storage.ts';
import type { Decision, Hold } from './hold.ts';
import { decisionRecord, type DecisionRecord } from './key-rates.ts';
import { thresholdToProbability } from '../../otlp/sampling-threshold.ts';

// The sampler's write-ahead log, a RecordLog from the storage extension: the engine the exporters'
// queues use (segments, checksummed records, checkpoints, recovery), so no new file format. Two logs per sampler:
// - spans: every request, as its OTLP bytes, appended before the client is acknowledged. A
//   record leaves when every trace with spans in it is decided and its kept spans are handed
//   on; at start, what is left is replayed into the buffer.
// - decisions: the trace decisions of each round, so that spans replayed after a crash follow
//   the decision made before it. A decision record leaves once every span record that was
//   logged before it has left: no replay can need it any more.

/** A span record and the references to it (hold.ts). */
export interface SpanHold extends Hold {
  /** The record without its payload: acking needs only the id. */
  readonly record: QueueRecord;
  /** The request bytes until they are buffered; then null, so a held record pins no copy of them. */
  payload: Uint8Array | null;
}

const NO_PAYLOAD = new Uint8Array(0);

export class SamplerWal {
  readonly #spans: RecordLog;
  readonly #decisions: RecordLog;
  /** Span records handed out and not yet acked, by id (Map order is id order). */
  readonly #outstanding = new Map<number, QueueRecord>();
  /** Decision records not yet acked, oldest first, each with the newest span record id it may serve. */
  readonly #decisionRecords: Array<{ record: QueueRecord; spanCeiling: number }> = [];
  #lastSpanId = -1;

  constructor(spans: RecordLog, decisions: RecordLog) {
    this.#spans = spans;
    this.#decisions = decisions;
  }

  /** Appends a request; resolves once it is durable under file_storage's fsync policy. */
  append(request: Uint8Array, items: number, tenant: string | undefined) {
    return this.#spans.enqueue(request, { items, tenant });
  }

  /** Span records ready to be buffered (replayed ones first), each with a new hold. */
  async take(into: SpanHold[]): Promise<void> {
    for (let record = await this.#spans.poll(); record !== undefined; record = await this.#spans.poll()) {
      const light: QueueRecord = { id: record.id, payload: NO_PAYLOAD, items: record.items, tenant: record.tenant, enqueuedAt: record.enqueuedAt };
      this.#outstanding.set(record.id, light);
      if (record.id > this.#lastSpanId) this.#lastSpanId = record.id;
      into.push({ refs: 0, record: light, payload: record.payload });
    }
  }

  /** Replays the decision log into `restore`; call before the first take(). */
  async restoreDecisions(restore: (key: string, record: DecisionRecord | null) => void): Promise<number> {
    let n = 0;
    for (let record = await this.#decisions.poll(); record !== undefined; record = await this.#decisions.poll()) {
      n += decodeDecisions(record.payload, restore);
      // Serves every span record left from before the restart.
      this.#decisionRecords.push({ record, spanCeiling: Number.MAX_SAFE_INTEGER });
    }
    return n;
  }

  /** Once the span records are all handed out after a replay, the replayed decisions need serve only those. */
  replayed(): void {
    for (const d of this.#decisionRecords) d.spanCeiling = this.#lastSpanId;
    this.#trimDecisions();
  }

  /** Logs a round's decisions; resolves when they are durable (or rejects, and the spans stay logged). */
  async logDecisions(decisions: readonly Decision[]): Promise<void> {
    const result = await this.#decisions.enqueue(encodeDecisions(decisions), { items: decisions.length });
    if (!result.ok) throw new Error(`decision log: ${result.reason}`);
    // Taken at once, so it can be acked when the span records it serves are gone. Concurrent
    // rounds may take each other's record: the ceiling read now covers either.
    const record = await this.#decisions.poll();
    if (record !== undefined) this.#decisionRecords.push({ record, spanCeiling: this.#lastSpanId });
    this.#trimDecisions();
  }

  /** A hold lost its last reference: its record leaves the log. */
  release(hold: SpanHold): void {
    this.#spans.ack(hold.record);
    this.#outstanding.delete(hold.record.id);
    this.#trimDecisions();
  }

  #trimDecisions(): void {
    const oldest = this.#outstanding.keys().next();
    const floor = oldest.done === true ? Number.MAX_SAFE_INTEGER : oldest.value;
    let i = 0;
    while (i < this.#decisionRecords.length && this.#decisionRecords[i].spanCeiling < floor) {
      this.#decisions.ack(this.#decisionRecords[i].record);
      i++;
    }
    if (i > 0) this.#decisionRecords.splice(0, i);
  }

  get stats(): { spanRecords: number; spanBytes: number; decisionRecords: number } {
    return { spanRecords: this.#spans.stats.records, spanBytes: this.#spans.stats.bytes, decisionRecords: this.#decisions.stats.records };
  }

  async close(): Promise<void> {
    await this.#spans.close();
    await this.#decisions.close();
  }
}

// A decision record's payload, per decision: u8 key length | key (one byte per char) | u8 flags
// (1 kept, 2 composed) | when kept: u8 th length | th (ASCII) | u16 reason length | reason (UTF-8).

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function encodeDecisions(decisions: readonly Decision[]): Uint8Array {
  const reasons: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i];
    size += 2 + d.key.length;
    if (d.record !== null) {
      const reason = utf8.encode(d.record.reason);
      reasons.push(reason);
      size += 3 + d.record.th.length + reason.length;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  let r = 0;
  for (let i = 0; i < decisions.length; i++) {
    const { key, record } = decisions[i];
    out[pos++] = key.length;
    for (let j = 0; j < key.length; j++) out[pos++] = key.charCodeAt(j);
    out[pos++] = record === null ? 0 : record.composed ? 3 : 1;
    if (record === null) continue;
    out[pos++] = record.th.length;
    pos += out.write(record.th, pos, 'latin1');
    const reason = reasons[r++];
    out.writeUInt16LE(reason.length, pos);
    pos += 2;
    out.set(reason, pos);
    pos += reason.length;
  }
  return out;
}

export function decodeDecisions(payload: Uint8Array, restore: (key: string, record: DecisionRecord | null) => void): number {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const records = new Map<string, DecisionRecord>();
  let pos = 0;
  let n = 0;
  while (pos < buf.length) {
    const keyLength = buf[pos++];
    const key = buf.toString('latin1', pos, pos + keyLength);
    pos += keyLength;
    const flags = buf[pos++];
    if ((flags & 1) === 0) {
      restore(key, null);
    } else {
      const thLength = buf[pos++];
      const th = buf.toString('latin1', pos, pos + thLength);
      pos += thLength;
      const reasonLength = buf.readUInt16LE(pos);
      pos += 2;
      const reason = utf8Decoder.decode(buf.subarray(pos, pos + reasonLength));
      pos += reasonLength;
      const cacheKey = reason + '\n' + th + '\n' + flags;
      let record = records.get(cacheKey);
      if (record === undefined) {
        record = decisionRecord(reason, { probability: thresholdToProbability(th) ?? 1, th }, (flags & 2) !== 0);
        records.set(cacheKey, record);
      }
      restore(key, record);
    }
    n++;
  }
  return n;
}
