/** CPU µs per item of `round` (which handles `itemsPerRound` items), best of 5 runs of `rounds` rounds. */
export function bestCpuMicros(round: () => unknown, rounds: number, itemsPerRound: number): number {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < rounds; i++) round();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / (rounds * itemsPerRound));
  }
  return best;
}
