import type { AnyValue, KeyValue, Span } from '../../otlp/types.ts';
import type { SpanGroup } from './output.ts';

// The dynamic-sampling key of a trace, built from its root span. Pseudo-fields read the span
// itself; any other name is an attribute of the root span, then of its resource.

const SERVICE = 0;
const NAME = 1;
const STATUS = 2;
const KIND = 3;
const ATTRIBUTE = 4;

const STATUS_NAMES = ['UNSET', 'OK', 'ERROR'];
const NO_ROOT = '(no root)';

export class SamplingKeyBuilder {
  readonly #kinds: number[];
  readonly #names: string[];

  constructor(fields: readonly string[]) {
    this.#kinds = [];
    this.#names = [];
    for (const f of fields) {
      this.#names.push(f);
      this.#kinds.push(
        f === 'service.name' ? SERVICE : f === 'span.name' ? NAME : f === 'status' ? STATUS : f === 'span.kind' ? KIND : ATTRIBUTE,
      );
    }
  }

  /** The key; `root` is null for a trace decided without its root span. */
  keyOf(root: Span | null, group: SpanGroup): string {
    let key = '';
    for (let i = 0; i < this.#kinds.length; i++) {
      if (i > 0) key += '|';
      switch (this.#kinds[i]) {
        case SERVICE:
          key += group.serviceName;
          break;
        case NAME:
          key += root === null ? NO_ROOT : root.name;
          break;
        case STATUS:
          key += root === null ? '' : STATUS_NAMES[root.status?.code ?? 0] ?? '';
          break;
        case KIND:
          key += root === null ? '' : String(root.kind);
          break;
        default:
          key += attributeText(this.#names[i], root === null ? EMPTY : root.attributes, group.resourceAttributes);
      }
    }
    return key;
  }
}

const EMPTY: KeyValue[] = [];

function attributeText(name: string, spanAttrs: readonly KeyValue[], resourceAttrs: readonly KeyValue[]): string {
  for (let i = 0; i < spanAttrs.length; i++) if (spanAttrs[i].key === name) return valueText(spanAttrs[i].value);
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
