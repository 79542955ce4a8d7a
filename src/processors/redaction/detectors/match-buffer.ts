// Matches found in one value, as parallel typed arrays reused across values: a value with no
// match allocates nothing.
export class MatchBuffer {
  starts: Int32Array;
  ends: Int32Array;
  detectors: Int32Array;
  length: number;

  constructor(capacity = 16) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.detectors = new Int32Array(capacity);
    this.length = 0;
  }

  push(start: number, end: number, detector: number): void {
    if (this.length === this.starts.length) this.grow();
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.detectors[i] = detector;
  }

  clear(): void {
    this.length = 0;
  }

  /**
   * Sorts by start (ties: lower detector id, i.e. the more specific one, first) and drops every
   * match that overlaps one kept before it.
   */
  resolveOverlaps(): void {
    const n = this.length;
    if (n > 16) this.sortLarge();
    else this.sortSmall();
    const { starts, ends, detectors } = this;
    let kept = 0;
    let lastEnd = -1;
    for (let i = 0; i < n; i++) {
      if (starts[i] < lastEnd) continue;
      starts[kept] = starts[i];
      ends[kept] = ends[i];
      detectors[kept] = detectors[i];
      lastEnd = ends[i];
      kept++;
    }
    this.length = kept;
  }

  private sortSmall(): void {
    const { starts, ends, detectors } = this;
    for (let i = 1; i < this.length; i++) {
      const s = starts[i], e = ends[i], d = detectors[i];
      let j = i - 1;
      while (j >= 0 && (starts[j] > s || (starts[j] === s && detectors[j] > d))) {
        starts[j + 1] = starts[j];
        ends[j + 1] = ends[j];
        detectors[j + 1] = detectors[j];
        j--;
      }
      starts[j + 1] = s;
      ends[j + 1] = e;
      detectors[j + 1] = d;
    }
  }

  /** n log n for values with many matches (several detectors' sorted runs interleave). */
  private sortLarge(): void {
    const n = this.length;
    const { starts, ends, detectors } = this;
    const order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => starts[a] - starts[b] || detectors[a] - detectors[b]);
    const s2 = new Int32Array(this.starts.length);
    const e2 = new Int32Array(this.starts.length);
    const d2 = new Int32Array(this.starts.length);
    for (let i = 0; i < n; i++) {
      const k = order[i];
      s2[i] = starts[k];
      e2[i] = ends[k];
      d2[i] = detectors[k];
    }
    this.starts = s2;
    this.ends = e2;
    this.detectors = d2;
  }

  private grow(): void {
    const capacity = this.starts.length * 2;
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    const detectors = new Int32Array(capacity);
    starts.set(this.starts);
    ends.set(this.ends);
    detectors.set(this.detectors);
    this.starts = starts;
    this.ends = ends;
    this.detectors = detectors;
  }
}
