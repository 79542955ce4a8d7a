import type { Telemetry } from './telemetry.ts';

// What Sluice itself holds, counted by whoever holds it: request bodies being read and decoded
// (receivers), batches waiting (the batch processor, in-memory sending queues) and the sampler's
// buffer. Admission is decided on this count, not on RSS alone: Node does not give freed
// ArrayBuffers and malloc arenas back to the OS after a spike, so an RSS gate never reopens once
// traffic has drained (issue 16). The Collector gates on the Go heap in use for the same reason.

/** Bytes one kind of holder has now; holders add on taking and subtract on letting go. */
export class HeldBytes {
  readonly name: string;
  bytes = 0;

  constructor(name: string) {
    this.name = name;
  }

  add(bytes: number): void {
    this.bytes += bytes;
  }
}

/** Why new work was refused. */
export type MemoryRefusal = 'held_limit' | 'rss';

/**
 * Under RSS pressure the limit tightens by this much: Sluice then refuses until it holds a little
 * less, and accepts again as soon as it does, whatever RSS does (RSS may never come down).
 */
const RSS_PRESSURE_SHARE = 0.9;

/**
 * The process's memory budget. Without a memory_limiter the limit is infinite and admission only
 * counts. The limiter sets the limit and, at each check, whether RSS pressure adds to it.
 */
export class MemoryBudget {
  readonly #pushed = new Map<string, HeldBytes>();
  readonly #pulled: Array<{ name: string; read: () => number }> = [];
  #limit = Infinity;
  /** The memory limiter's state, from its last check: refusals seen, or held bytes over the limit. */
  #refusingState = false;
  #rssPressure = false;
  #retryAfterMs = 1000;
  readonly #refusals: Record<MemoryRefusal, number> = { held_limit: 0, rss: 0 };

  /** The counter for `name`; every caller naming it shares one. */
  holder(name: string): HeldBytes {
    let held = this.#pushed.get(name);
    if (held === undefined) {
      held = new HeldBytes(name);
      this.#pushed.set(name, held);
    }
    return held;
  }

  /** A holder that knows its own size (the sampler's buffer), read when the budget is asked. */
  track(name: string, read: () => number): () => void {
    const entry = { name, read };
    this.#pulled.push(entry);
    return () => {
      const index = this.#pulled.indexOf(entry);
      if (index >= 0) this.#pulled.splice(index, 1);
    };
  }

  /** Bytes held now, all holders together. */
  get held(): number {
    let total = 0;
    for (const held of this.#pushed.values()) total += held.bytes;
    for (let i = 0; i < this.#pulled.length; i++) total += this.#pulled[i].read();
    return total;
  }

  byHolder(): Map<string, number> {
    const out = new Map<string, number>();
    for (const held of this.#pushed.values()) out.set(held.name, held.bytes);
    for (const { name, read } of this.#pulled) out.set(name, (out.get(name) ?? 0) + read());
    return out;
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(bytes: number, retryAfterMs: number): void {
    this.#limit = bytes;
    this.#retryAfterMs = retryAfterMs;
  }

  get retryAfterMs(): number {
    return this.#retryAfterMs;
  }

  /** Set by the memory limiter at each check: RSS is over the hard limit. */
  setRssPressure(on: boolean): void {
    this.#rssPressure = on;
  }

  /** The limit in force: tighter under RSS pressure. */
  get #effectiveLimit(): number {
    return this.#rssPressure ? this.#limit * RSS_PRESSURE_SHARE : this.#limit;
  }

  /** Held bytes are past the limit in force: nothing new is taken. */
  get overLimit(): boolean {
    return this.#limit !== Infinity && this.held > this.#effectiveLimit;
  }

  /** Whether Sluice is refusing for memory, as of the memory limiter's last check. */
  get refusing(): boolean {
    return this.#refusingState;
  }

  setRefusing(refusing: boolean): void {
    this.#refusingState = refusing;
  }

  /** Why `bytes` more cannot be taken now, or undefined when they can; a refusal is counted. */
  refuses(bytes: number): MemoryRefusal | undefined {
    if (this.#limit === Infinity || this.held + bytes <= this.#effectiveLimit) return undefined;
    const reason: MemoryRefusal = this.#rssPressure && this.held + bytes <= this.#limit ? 'rss' : 'held_limit';
    this.#refusals[reason]++;
    return reason;
  }

  /** Counts a refusal made from the refusing state (the memory_limiter processor's). */
  countRefusal(reason: MemoryRefusal): void {
    this.#refusals[reason]++;
  }

  get refusalCounts(): Readonly<Record<MemoryRefusal, number>> {
    return this.#refusals;
  }

  get refusalTotal(): number {
    return this.#refusals.held_limit + this.#refusals.rss;
  }

  /** Self-metrics, read at scrape time. */
  register(telemetry: Telemetry): void {
    telemetry.observe('sluice_memory_held_bytes', 'Bytes Sluice holds, by holder (receiver bodies, batches, queues, sampler buffer).', ['holder'], () =>
      [...this.byHolder()].map(([holder, value]) => ({ labels: { holder }, value })));
    telemetry.observe('sluice_memory_limit_bytes', 'Bytes Sluice may hold before it refuses new work (memory_limiter); absent without one.', [], () =>
      this.#limit === Infinity ? [] : [{ labels: {}, value: this.#limit }]);
    telemetry.observe('sluice_memory_refusing', '1 while new work is refused for memory.', [], () => [{ labels: {}, value: this.refusing ? 1 : 0 }]);
    telemetry.observe('sluice_memory_refusals_total', 'Work refused for memory, by reason (held_limit, rss).', ['reason'], () =>
      (Object.keys(this.#refusals) as MemoryRefusal[]).map((reason) => ({ labels: { reason }, value: this.#refusals[reason] })), 'counter');
  }
}
