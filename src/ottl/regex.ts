import { RE2JS } from 're2js';

// Patterns are RE2 (linear time on any input) with Go's replacement syntax, so a Collector
// config's patterns and `$1` / `${name}` replacements mean the same thing here.

export function compileRe2(pattern: string): RE2JS {
  return RE2JS.compile(pattern);
}

/**
 * All matches of re in input replaced by template expanded as Go's regexp.Expand does: `$1`,
 * `${1}`, `$name`, `${name}` (a name is the longest run of letters, digits and `_`), `$$` for `$`;
 * an unknown group expands to nothing. Returns the input itself when nothing matched.
 */
export function replaceAllGo(re: RE2JS, input: string, template: string): string {
  // re2js's DFA test is cheap on a miss but makes a hit cost two passes; a pattern that mostly
  // hits goes straight to the matcher. Only speed depends on this, never the result.
  let seen = HIT_RATE.get(re);
  if (seen === undefined) {
    seen = { hits: 0, total: 0 };
    HIT_RATE.set(re, seen);
  }
  const pretest = seen.total < 64 || seen.hits * 2 < seen.total;
  if (pretest && !re.test(input)) {
    count(seen, false);
    return input;
  }
  const matcher = re.matcher(input);
  const names = re.namedGroups();
  const groups = re.groupCount();
  let out = '';
  let last = 0;
  let lastEnd = -1;
  while (matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    // Go skips an empty match right after the previous match.
    if (start === end && start === lastEnd) continue;
    out += input.slice(last, start);
    out += expand(template, (group) => {
      const index = /^\d+$/.test(group) ? Number(group) : names[group];
      if (index === undefined || index > groups) return '';
      return matcher.group(index) ?? '';
    });
    last = end;
    lastEnd = end;
  }
  count(seen, lastEnd >= 0);
  return lastEnd < 0 ? input : out + input.slice(last);
}

const HIT_RATE = new WeakMap<RE2JS, { hits: number; total: number }>();

/** Hit counts over a sliding window of about 1024 values, halved as they grow. */
function count(seen: { hits: number; total: number }, hit: boolean): void {
  if (hit) seen.hits++;
  if (++seen.total >= 1024) {
    seen.hits >>= 1;
    seen.total >>= 1;
  }
}

function expand(template: string, group: (name: string) => string): string {
  if (!template.includes('$')) return template;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      i = close;
    } else {
      const match = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (match === null) {
        out += c;
        continue;
      }
      name = match[0];
      i += name.length;
    }
    out += group(name);
  }
  return out;
}

/** Go's path/filepath.Match pattern as an anchored RE2: `*` and `?` never cross a `/`. */
export function globToRe2(glob: string): RE2JS {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new Error(`unterminated [ in pattern "${glob}"`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?=.)/g, '\\')}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return RE2JS.compile(`${re}$`);
}

function escapeRe(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}
