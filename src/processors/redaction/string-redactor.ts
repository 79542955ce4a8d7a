import { DROP_ATTRIBUTE, DROP_RECORD, HASH, MASK, MASK_TEXT, TRUNCATE } from './actions.ts';
import type { RedactionCounts } from './counts.ts';
import { isDigit } from './detectors/chars.ts';
import { MatchBuffer } from './detectors/match-buffer.ts';
import type { ValueScanner } from './detectors/scanner.ts';
import type { Hasher } from './hasher.ts';

/** What redacting one string asks of the caller. */
export const KEEP = 0;
export const REPLACE = 1;
export const DROP_VALUE = 2;
export const DROP_WHOLE_RECORD = 3;

export interface StringRedactorOptions {
  scanner: ValueScanner;
  /** Action per detector id. */
  actions: Int8Array;
  hasher: Hasher | null;
  counts: RedactionCounts;
  /** Detector id of payment_card (masking keeps its last four digits), -1 when off. */
  cardId: number;
  oversizeId: number;
  maxValueLength: number;
  oversizeAction: number;
  detectorCount: number;
}

/**
 * Redacts the matches in one string. The result of the last call is in `outcome`; the detectors
 * that fired since the last `clearFired()` are in `fired` (kept only when `trackFired`).
 */
export class StringRedactor {
  outcome: number;
  /** Set by the walker: whether drop_record is possible here (logs) or falls back to drop_attribute. */
  recordDropAllowed: boolean;
  readonly trackFired: boolean;
  readonly fired: number[];
  readonly #firedMark: Uint8Array;
  readonly #matches: MatchBuffer;
  readonly #options: StringRedactorOptions;
  /** What the byte path (trace-bytes.ts) shares with this redactor. */
  readonly options: StringRedactorOptions;

  constructor(options: StringRedactorOptions, trackFired: boolean) {
    this.outcome = KEEP;
    this.recordDropAllowed = false;
    this.trackFired = trackFired;
    this.fired = [];
    this.#firedMark = new Uint8Array(options.detectorCount);
    this.#matches = new MatchBuffer();
    this.#options = options;
    this.options = options;
  }

  redact(value: string, key: string): string {
    const options = this.#options;
    this.outcome = KEEP;
    let s = value;
    if (s.length > options.maxValueLength) {
      this.count(options.oversizeId, options.oversizeAction);
      this.outcome = REPLACE;
      if (options.oversizeAction !== TRUNCATE) return this.hashToken(s);
      s = s.slice(0, options.maxValueLength);
    }
    const matches = this.#matches;
    matches.clear();
    options.scanner.scan(s, key, matches);
    if (matches.length === 0) return s;
    matches.resolveOverlaps();

    const actions = options.actions;
    let strongest = MASK;
    for (let i = 0; i < matches.length; i++) {
      const action = actions[matches.detectors[i]];
      if (action > strongest) strongest = action;
    }
    if (strongest === DROP_RECORD && !this.recordDropAllowed) strongest = DROP_ATTRIBUTE;
    if (strongest >= DROP_ATTRIBUTE) {
      // The whole value goes, so every match in it is counted under that action.
      for (let i = 0; i < matches.length; i++) this.count(matches.detectors[i], strongest);
      this.outcome = strongest === DROP_RECORD ? DROP_WHOLE_RECORD : DROP_VALUE;
      return s;
    }
    let result = '';
    let last = 0;
    for (let i = 0; i < matches.length; i++) {
      const start = matches.starts[i];
      const end = matches.ends[i];
      const detector = matches.detectors[i];
      const action = actions[detector];
      result += s.slice(last, start);
      result += action === HASH ? this.hashToken(s.slice(start, end)) : this.maskFor(s, start, end, detector);
      last = end;
      this.count(detector, action);
    }
    this.outcome = REPLACE;
    return result + s.slice(last);
  }

  /** Whether redact(value, key) would change the value; counts nothing (the byte path's test). */
  wouldChange(value: string, key: string): boolean {
    const options = this.#options;
    if (value.length > options.maxValueLength) return true;
    const matches = this.#matches;
    matches.clear();
    options.scanner.scan(value, key, matches);
    return matches.length !== 0;
  }

  /** Counts one redaction and, for the summary attribute, notes the detector. */
  count(detector: number, action: number): void {
    this.#options.counts.add(detector, action);
    if (this.trackFired && this.#firedMark[detector] === 0) {
      this.#firedMark[detector] = 1;
      this.fired.push(detector);
    }
  }

  clearFired(): void {
    const fired = this.fired;
    for (let i = 0; i < fired.length; i++) this.#firedMark[fired[i]] = 0;
    fired.length = 0;
  }

  hashToken(text: string): string {
    const hasher = this.#options.hasher;
    // createRedactor refuses a hash action without a key, so this is a programming error.
    if (hasher === null) throw new Error('redaction: hash action without a hasher');
    return hasher.token(text);
  }

  /** `****`, or `****1234` for a payment card (its last four digits, as receipts print them). */
  private maskFor(s: string, start: number, end: number, detector: number): string {
    if (detector !== this.#options.cardId) return MASK_TEXT;
    let tail = '';
    for (let i = end - 1; i >= start && tail.length < 4; i--) {
      const c = s.charCodeAt(i);
      if (isDigit(c)) tail = String.fromCharCode(c) + tail;
    }
    return MASK_TEXT + tail;
  }
}
