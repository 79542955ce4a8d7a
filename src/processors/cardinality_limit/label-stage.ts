import type { KeyValue } from '../../otlp/types.ts';
import type { AttributeHasher } from './attribute-hash.ts';
import { key53 } from './attribute-hash.ts';
import { LabelTarget, OTHER_VALUE, valueIdentity } from './label-value-limits.ts';
import type { LabelLimitsOfStream } from './label-value-limits.ts';
import type { AnyPoint } from './point-kind.ts';
import { createPointMerger } from './point-merger.ts';
import type { SeriesTable } from './series-table.ts';
import type { StreamState } from './stream-state.ts';

/** The limiter side the stage needs: a tracked slot remembering an original series' last value. */
export interface LabelSourceTracker {
  labelSourceSlot(stream: StreamState, hashA: number, hashB: number): number;
}

/**
 * Runs before the series limit, on streams whose metric has limited label keys. A point whose
 * value for a limited key is new while the key already has `limit` values gets that value
 * replaced by `__other__` (or the key dropped). Every point whose final attributes belong to a
 * fold target (rewritten points and their natural twins) merges into the target, which emits one
 * point per batch, so totals stay right and no series appears twice. Writes each output point's
 * attribute hash into hashA/hashB at its index.
 */
export class LabelStage {
  readonly #hasher: AttributeHasher;
  readonly #tracker: LabelSourceTracker;
  readonly #dropLabel: boolean;
  #routed = new Uint8Array(256);

  constructor(hasher: AttributeHasher, tracker: LabelSourceTracker, dropLabel: boolean) {
    this.#hasher = hasher;
    this.#tracker = tracker;
    this.#dropLabel = dropLabel;
  }

  apply(
    stream: StreamState,
    points: AnyPoint[],
    hashA: Int32Array,
    hashB: Int32Array,
    table: SeriesTable,
    now: number,
    enforce: boolean,
  ): AnyPoint[] {
    const labels = stream.labels!;
    const n = points.length;
    if (this.#routed.length < n) this.#routed = new Uint8Array(n * 2);
    const routed = this.#routed;
    const hasher = this.#hasher;
    let anyRouted = false;
    for (let i = 0; i < n; i++) {
      routed[i] = 0;
      const point = points[i];
      const rewritten = this.#rewrite(stream, labels, point.attributes, now);
      hasher.hashAttributes(point.attributes);
      hashA[i] = hasher.a;
      hashB[i] = hasher.b;
      if (rewritten === null || !enforce) continue;
      const source = stream.cumulative ? this.#tracker.labelSourceSlot(stream, hasher.a, hasher.b) : -1;
      hasher.hashAttributes(rewritten);
      let target = labels.targets.get(key53(hasher.a, hasher.b));
      if (target === undefined) {
        target = new LabelTarget(rewritten, hasher.a, hasher.b, createPointMerger(stream.kind, stream.cumulative, stream.monotonic));
        labels.targets.set(key53(hasher.a, hasher.b), target);
      }
      this.#route(labels, target, point, table, source, now);
      routed[i] = 1;
      anyRouted = true;
    }
    if (labels.targets.size > 0 && enforce) {
      for (let i = 0; i < n; i++) {
        if (routed[i] === 1) continue;
        const target = labels.targets.get(key53(hashA[i], hashB[i]));
        if (target === undefined) continue;
        const source = stream.cumulative ? this.#tracker.labelSourceSlot(stream, hashA[i], hashB[i]) : -1;
        this.#route(labels, target, points[i], table, source, now);
        routed[i] = 1;
        anyRouted = true;
      }
    }
    if (!anyRouted) return points;
    return this.#compact(labels, points, hashA, hashB);
  }

  #route(labels: LabelLimitsOfStream, target: LabelTarget, point: AnyPoint, table: SeriesTable, source: number, now: number): void {
    if (!target.merger.touched) labels.touched.push(target);
    target.merger.add(point, table, source);
    target.lastSeen = now;
  }

  /** Unrouted points keep their order; one merged point per touched target follows them. */
  #compact(labels: LabelLimitsOfStream, points: AnyPoint[], hashA: Int32Array, hashB: Int32Array): AnyPoint[] {
    const routed = this.#routed;
    const out: AnyPoint[] = [];
    for (let i = 0; i < points.length; i++) {
      if (routed[i] === 1) continue;
      hashA[out.length] = hashA[i];
      hashB[out.length] = hashB[i];
      out.push(points[i]);
    }
    const touched = labels.touched;
    for (let t = 0; t < touched.length; t++) {
      const target = touched[t];
      hashA[out.length] = target.hashA;
      hashB[out.length] = target.hashB;
      out.push(target.merger.emit(target.attributes.slice()));
    }
    touched.length = 0;
    return out;
  }

  /** The attributes with refused values folded, or null when every value is within its limit. */
  #rewrite(stream: StreamState, labels: LabelLimitsOfStream, attributes: KeyValue[], now: number): KeyValue[] | null {
    let rewritten: KeyValue[] | null = null;
    let dropped = 0;
    for (let j = 0; j < attributes.length; j++) {
      const set = labels.sets.get(attributes[j].key);
      if (set === undefined) continue;
      const value = attributes[j].value;
      if (value.stringValue === OTHER_VALUE) continue;
      const identity = valueIdentity(value);
      const seen = set.values.get(identity);
      if (seen !== undefined || set.values.size < set.limit) {
        set.values.set(identity, now);
        continue;
      }
      set.refused++;
      stream.labelValuesFolded++;
      if (rewritten === null) rewritten = attributes.slice();
      if (this.#dropLabel) {
        rewritten.splice(j - dropped, 1);
        dropped++;
      } else {
        rewritten[j] = { key: attributes[j].key, value: { stringValue: OTHER_VALUE } };
      }
    }
    return rewritten;
  }
}
