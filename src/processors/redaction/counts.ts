import { ACTION_COUNT, ACTION_NAMES, type ActionName } from './actions.ts';

export interface RedactionCount {
  detector: string;
  action: ActionName;
  count: number;
}

/** Occurrences redacted per (detector, action), kept in one flat array between reads. */
export class RedactionCounts {
  readonly #names: readonly string[];
  readonly #counts: Float64Array;

  constructor(detectorNames: readonly string[]) {
    this.#names = detectorNames;
    this.#counts = new Float64Array(detectorNames.length * ACTION_COUNT);
  }

  add(detector: number, action: number): void {
    this.#counts[detector * ACTION_COUNT + action]++;
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
