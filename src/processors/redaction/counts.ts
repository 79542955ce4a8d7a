import { ACTION_COUNT, ACTION_NAMES, type ActionName } from './actions.ts';

export interface RedactionCount {
  detector: string;
  action: ActionName;
  count: number;
}

/**
 * Occurrences redacted per (detector, action), kept in one flat array between reads. While a
 * journal is open (the trace byte path), each add is also noted, so that the counts of a span the
 * byte walk redacted in part and then handed whole to the object path can be taken back.
 */
export class RedactionCounts {
  readonly #names: readonly string[];
  readonly #counts: Float64Array;
  #journal: Int32Array;
  #journalLength: number;
  #journaling: boolean;

  constructor(detectorNames: readonly string[]) {
    this.#names = detectorNames;
    this.#counts = new Float64Array(detectorNames.length * ACTION_COUNT);
    this.#journal = new Int32Array(64);
    this.#journalLength = 0;
    this.#journaling = false;
  }

  add(detector: number, action: number): void {
    this.addIndex(detector * ACTION_COUNT + action);
  }

  /** Adds one to the count at index `i` (a journal entry: detector × ACTION_COUNT + action). */
  addIndex(i: number): void {
    this.#counts[i]++;
    if (this.#journaling) {
      if (this.#journalLength === this.#journal.length) {
        const grown = new Int32Array(this.#journal.length * 2);
        grown.set(this.#journal);
        this.#journal = grown;
      }
      this.#journal[this.#journalLength++] = i;
    }
  }

  /** Starts noting adds (empty journal). */
  openJournal(): void {
    this.#journaling = true;
    this.#journalLength = 0;
  }

  closeJournal(): void {
    this.#journaling = false;
    this.#journalLength = 0;
  }

  /** A point to roll back to. */
  mark(): number {
    return this.#journalLength;
  }

  /** The journal's entry `j` (below mark()): the index an add counted. */
  journalAt(j: number): number {
    return this.#journal[j];
  }

  /** Takes back every add since `mark`. */
  rollback(mark: number): void {
    for (let j = mark; j < this.#journalLength; j++) this.#counts[this.#journal[j]]--;
    this.#journalLength = mark;
  }

  /** The non-zero counts since the last call, which resets them. */
  take(): RedactionCount[] {
    const result: RedactionCount[] = [];
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      result.push({
        detector: this.#names[Math.floor(i / ACTION_COUNT)],
        action: ACTION_NAMES[i % ACTION_COUNT],
        count: counts[i],
      });
      counts[i] = 0;
    }
    return result;
  }
}
