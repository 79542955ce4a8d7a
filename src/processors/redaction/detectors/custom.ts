import { RE2JS } from 're2js';
import type { MatchBuffer } from './match-buffer.ts';

// User patterns run on RE2 (re2js): linear time whatever the pattern or the input. A DFA `test`
// answers first, so a value without a match never builds a Matcher.
export class CustomPattern {
  readonly id: number;
  readonly #re: RE2JS;

  constructor(id: number, pattern: string, caseInsensitive: boolean) {
    this.id = id;
    this.#re = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  }

  /** Matches in `s`, pushed at `offset` + their position in `s` (the value's start in its bytes). */
  scan(s: string, offset: number, out: MatchBuffer): void {
    if (!this.#re.test(s)) return;
    const matcher = this.#re.matcher(s);
    while (matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      if (end > start) out.push(offset + start, offset + end, this.id);
    }
  }
}
