import type { AnyValue, KeyValue } from '../../otlp/types.ts';
import type { SpanGroup } from './output.ts';
import type { SpanFacts } from './span-facts.ts';

// The dynamic-sampling key of a trace, built from its root span. Pseudo-fields read the span
// itself; any other name is an attribute of the root span, then of its resource.

const SERVICE = 0;
const NAME = 1;
const STATUS = 2;
const KIND = 3;
const ATTRIBUTE = 4;

const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];
const NO_ROOT = '(no root)';
const MAX_KNOWN = 4096;

export class SamplingKeyBuilder {
  readonly #kinds: number[];
  readonly #names: string[];
  /** SpanFacts watch slot per ATTRIBUTE field, -1 for the others. */
  readonly #slots: number[];
  /**
   * Keys built recently, each held once: a pending trace keeps its key until decided, and a
   * concatenated key per trace (a chain of cons strings) was promoted with every buffered trace.
   */
  #known = new Map<string, string>();

  /** Adds the attribute fields to the watch list of `facts`. */
  constructor(fields: readonly string[], facts: SpanFacts) {
    this.#kinds = [];
    this.#names = [];
    this.#slots = [];
    for (const f of fields) {
      this.#names.push(f);
      const kind =
        f === 'service.name' ? SERVICE : f === 'span.name' ? NAME : f === 'status' ? STATUS : f === 'span.kind' ? KIND : ATTRIBUTE;
      this.#kinds.push(kind);
      this.#slots.push(kind === ATTRIBUTE ? facts.watch(f) : -1);
    }
  }

  /** The key of the root span `root` last read; `root` is null for a trace decided without one. */
  keyOf(root: SpanFacts | null, group: SpanGroup): string {
    const key = this.#build(root, group);
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    // Bounded like KeyRates' max_keys in spirit: few keys in practice, but none is capped.
    if (this.#known.size >= MAX_KNOWN) this.#known = new Map();
    this.#known.set(key, key);
    return key;
  }

  #build(root: SpanFacts | null, group: SpanGroup): string {
    let key = '';
    for (let i = 0; i < this.#kinds.length; i++) {
      if (i > 0) key += '|';
      switch (this.#kinds[i]) {
        case SERVICE:
          key += group.serviceName;
          break;
        case NAME:
          key += root === null ? NO_ROOT : root.name();
          break;
        case STATUS:
          key += root === null ? '' : STATUS_NAMES[root.statusCode] ?? '';
          break;
        case KIND:
          key += root === null ? '' : String(root.kind);
          break;
        default: {
          const value = root === null ? undefined : root.value(this.#slots[i]);
          key += value !== undefined ? valueText(value) : resourceText(this.#names[i], group.resourceAttributes);
        }
      }
    }
    return key;
  }
}

function resourceText(name: string, resourceAttrs: readonly KeyValue[]): string {
  for (let i = 0; i < resourceAttrs.length; i++) if (resourceAttrs[i].key === name) return valueText(resourceAttrs[i].value);
  return '';
}

function valueText(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return v.boolValue ? 'true' : 'false';
  return '';
}
