// A 64-register HyperLogLog: 64 bytes per (metric, label key) estimate how many distinct values
// that key brought in refused series, to within roughly ±13%: enough to rank offending keys.

const REGISTERS = 64;
const ALPHA = 0.709;

export class DistinctSketch {
  readonly #registers = new Uint8Array(REGISTERS);

  add(hash32: number): void {
    const index = hash32 & (REGISTERS - 1);
    const rest = hash32 >>> 6;
    const rank = rest === 0 ? 27 : Math.clz32(rest) - 5;
    if (rank > this.#registers[index]) this.#registers[index] = rank;
  }

  estimate(): number {
    let inverseSum = 0;
    let zeros = 0;
    for (let i = 0; i < REGISTERS; i++) {
      const rank = this.#registers[i];
      inverseSum += 2 ** -rank;
      if (rank === 0) zeros++;
    }
    const raw = (ALPHA * REGISTERS * REGISTERS) / inverseSum;
    // Linear counting is far more accurate while registers are still empty.
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }
}
