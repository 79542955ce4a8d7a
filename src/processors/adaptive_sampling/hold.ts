import type { DecisionRecord } from './key-rates.ts';

// The sampler's side of its write-ahead log (wal.ts). A Hold stands for one logged request:
// every buffered trace with spans in it, and the add() that read it, holds a reference, and
// the record may leave the log only when all are gone, i.e. when each of those traces has
// been decided and its kept spans handed on. The sampler only counts references; the owner of
// the log decides when "handed on" is true (settle).

export interface Hold {
  refs: number;
}

/** One trace decision, for the decision log; record null when the trace was dropped. */
export interface Decision {
  key: string;
  record: DecisionRecord | null;
}

/**
 * Called after every emit round (an add, a tick, a flush) with the holds whose references that
 * round gave up and the decisions it made; the round's emits have already been called.
 */
export type SettleFn = (released: Hold[], decisions: Decision[]) => void;
