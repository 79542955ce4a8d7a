// What a component sees of the other workers when Sluice runs several processes
// (`service.workers`): its own place among them, a way to ask every other worker a question,
// and the primary's share of a process-wide limit. Absent (Host.workers undefined) in a
// single-process Sluice, where everything below would be the identity.

export interface PeerAnswer {
  worker: number;
  /** undefined when the worker did not answer in time (down, restarting, stuck). */
  answer: unknown;
}

export interface WorkerPeers {
  /** This worker's index, 0 … count-1. */
  readonly index: number;
  readonly count: number;
  /** Answers `topic` when another worker asks (health, self-metrics). One answer per topic. */
  serve(topic: string, answer: () => unknown | Promise<unknown>): void;
  /** Every other worker's answer to `topic`, in worker order; a silent worker's answer is undefined. */
  ask(topic: string, timeoutMs?: number): Promise<PeerAnswer[]>;
  /**
   * This worker's shares (0 … 1) of the process-wide limits of one family `name` (a tenant's quota
   * per signal, say), keyed as the caller likes. About every 250 ms `report` gives the demand per
   * key since its last call; `apply` then gets this worker's share per key. Shares follow demand,
   * so over the workers they add up to the whole limit. A key not yet shared is 1/count.
   * Returns a function that stops reporting.
   */
  share(name: string, report: () => ReadonlyMap<string, number>, apply: (shares: ReadonlyMap<string, number>) => void): () => void;
}
