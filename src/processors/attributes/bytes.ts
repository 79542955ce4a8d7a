import { configToAny, type MatchSubject } from '../../attraction/index.ts';
import type { ActionConfig } from '../../attraction/index.ts';
import { EDIT, encodeAttributeField, KEEP, LazySpan, type SpanVisitor } from '../../ottl/span-bytes.ts';

// The common attributes configs (set a constant, delete a key) applied to spans where they lie in
// the encoded request: each span's attribute keys are compared as bytes, and an upserted attribute
// is spliced in as bytes encoded once at start. Anything else (patterns, hash, extract, convert,
// from_attribute, from_context, lists and maps, a key acted on twice) takes the decoded path.

const utf8 = new TextEncoder();

interface ByteAction {
  mode: 'insert' | 'update' | 'upsert' | 'delete';
  key: Uint8Array;
  field: Uint8Array | null;
}

/** A span visitor for these actions, or undefined when they need the decoded path. */
export function byteSpanVisitor(actions: readonly ActionConfig[], applies: ((s: MatchSubject) => boolean) | undefined): SpanVisitor | undefined {
  const compiled: ByteAction[] = [];
  const keys = new Set<string>();
  for (const action of actions) {
    if (action.key === undefined || keys.has(action.key) || action.pattern !== undefined) return undefined;
    keys.add(action.key);
    if (action.action === 'delete') {
      compiled.push({ mode: 'delete', key: utf8.encode(action.key), field: null });
      continue;
    }
    if ((action.action !== 'insert' && action.action !== 'update' && action.action !== 'upsert') || action.value === undefined) return undefined;
    const field = encodeAttributeField(action.key, configToAny(action.value));
    if (field === undefined) return undefined;
    compiled.push({ mode: action.action, key: utf8.encode(action.key), field });
  }
  const lazy = new LazySpan();
  const subject: MatchSubject = { resource: undefined, scope: undefined, span: undefined, log: undefined, metric: undefined };
  // Edits of one span, sorted by position before they are handed over.
  const starts: number[] = [];
  const order: number[] = [];
  return {
    resource: (resource) => void (subject.resource = resource),
    scope: (scope) => void (subject.scope = scope),
    span(bytes, start, end, edits) {
      lazy.reset(bytes, start, end);
      if (applies !== undefined) {
        subject.span = lazy;
        if (!applies(subject)) return KEEP;
      }
      starts.length = 0;
      for (let i = 0; i < compiled.length; i++) {
        const action = compiled[i];
        const found = lazy.findAttribute(action.key);
        if (found !== undefined) {
          if (action.mode === 'insert') continue;
          edits.replace(found[0], found[1], action.field);
          starts.push(found[0]);
        } else if (action.mode === 'insert' || action.mode === 'upsert') {
          edits.replace(end, end, action.field);
          starts.push(end);
        }
      }
      const n = edits.size;
      if (n === 0) return KEEP;
      if (n > 1) {
        order.length = 0;
        for (let i = 0; i < n; i++) order.push(i);
        order.sort((a, b) => starts[a] - starts[b] || a - b);
        const s = order.map((i) => edits.starts[i]);
        const e = order.map((i) => edits.ends[i]);
        const w = order.map((i) => edits.with[i]);
        edits.clear();
        for (let i = 0; i < n; i++) edits.replace(s[i], e[i], w[i]);
      }
      return EDIT;
    },
  };
}
