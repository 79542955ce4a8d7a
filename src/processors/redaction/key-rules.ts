// Attribute key rules: `*` (any run) and `?` (one character) globs, case-insensitive. A glob is
// compiled once into literal segments split at `*`; matching anchors the first and last segment
// and finds each middle one leftmost, which is exact for `*` globs and never backtracks, so a
// key costs O(key length x pattern length) at worst. Decisions are cached per key string, since
// the same few hundred keys come back in every batch.

export const KEY_BLOCKED = 1;
export const KEY_ALLOWED = 2;
/** Listed in allow_only. */
export const KEY_LISTED = 4;

class Glob {
  readonly #segments: string[];
  readonly #anchoredStart: boolean;
  readonly #anchoredEnd: boolean;

  constructor(pattern: string) {
    this.#segments = pattern.toLowerCase().split('*');
    this.#anchoredStart = !pattern.startsWith('*');
    this.#anchoredEnd = !pattern.endsWith('*');
  }

  /** `key` is already lower case. */
  matches(key: string): boolean {
    const segments = this.#segments;
    const last = segments.length - 1;
    if (last === 0) return key.length === segments[0].length && segmentAt(key, 0, segments[0]);
    let from = 0;
    let to = key.length;
    const head = segments[0];
    if (this.#anchoredStart) {
      if (!segmentAt(key, 0, head)) return false;
      from = head.length;
    }
    const tail = segments[last];
    if (this.#anchoredEnd) {
      to = key.length - tail.length;
      if (to < from || !segmentAt(key, to, tail)) return false;
    }
    for (let k = 1; k < last; k++) {
      const found = findSegment(key, from, to, segments[k]);
      if (found === -1) return false;
      from = found + segments[k].length;
    }
    return true;
  }
}

function segmentAt(key: string, at: number, segment: string): boolean {
  if (at + segment.length > key.length) return false;
  for (let i = 0; i < segment.length; i++) {
    const p = segment.charCodeAt(i);
    if (p !== 63 && p !== key.charCodeAt(at + i)) return false;
  }
  return true;
}

function findSegment(key: string, from: number, to: number, segment: string): number {
  if (segment.indexOf('?') === -1) {
    const at = key.indexOf(segment, from);
    return at !== -1 && at + segment.length <= to ? at : -1;
  }
  for (let at = from; at + segment.length <= to; at++) if (segmentAt(key, at, segment)) return at;
  return -1;
}

function anyMatches(globs: readonly Glob[], key: string): boolean {
  for (let i = 0; i < globs.length; i++) if (globs[i].matches(key)) return true;
  return false;
}

const CACHE_LIMIT = 10_000;

export class KeyRules {
  readonly #blocked: Glob[];
  readonly #allowed: Glob[];
  readonly #listed: Glob[];
  readonly #cache: Map<string, number>;
  /** Whether allow_only is in force (non-empty). */
  readonly allowOnly: boolean;

  constructor(blocked: readonly string[], allowed: readonly string[], allowOnly: readonly string[]) {
    this.#blocked = blocked.map((p) => new Glob(p));
    this.#allowed = allowed.map((p) => new Glob(p));
    this.#listed = allowOnly.map((p) => new Glob(p));
    this.#cache = new Map();
    this.allowOnly = allowOnly.length > 0;
  }

  /** KEY_BLOCKED | KEY_ALLOWED | KEY_LISTED bits for `key`. */
  classify(key: string): number {
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const lower = key.toLowerCase();
    const bits =
      (anyMatches(this.#blocked, lower) ? KEY_BLOCKED : 0) |
      (anyMatches(this.#allowed, lower) ? KEY_ALLOWED : 0) |
      (anyMatches(this.#listed, lower) ? KEY_LISTED : 0);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(key, bits);
    return bits;
  }
}

/** Null when no key rule is configured, so the walk skips key classification entirely. */
export function compileKeyRules(blocked: readonly string[], allowed: readonly string[], allowOnly: readonly string[]): KeyRules | null {
  return blocked.length + allowed.length + allowOnly.length === 0 ? null : new KeyRules(blocked, allowed, allowOnly);
}
