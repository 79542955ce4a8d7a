import type { AnyValue, KeyValue } from '../../otlp/types.ts';
import { sanitizeLabelName } from './naming.ts';
import type { Label } from './series.ts';

// Attribute lists → label lists. Label sets are small (a handful to a few dozen), so plain arrays
// with linear scans beat per-point Maps on both allocation and time.

/** Sanitised label names by attribute key. Attribute keys repeat endlessly; sanitise each once. */
export class LabelNameCache {
  readonly #names = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get(key: string): string {
    let name = this.#names.get(key);
    if (name === undefined) {
      name = sanitizeLabelName(key);
      // A flood of distinct keys must not grow memory without bound; starting over is cheap.
      if (this.#names.size >= this.#limit) this.#names.clear();
      this.#names.set(key, name);
    }
    return name;
  }
}

/** Attribute values as label text, following the OTel attribute spec's string forms. */
export function attributeValueText(value: AnyValue | undefined): string {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue ? 'true' : 'false';
  if (value.intValue !== undefined) return value.intValue.toString();
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  if (value.arrayValue !== undefined || value.kvlistValue !== undefined) return JSON.stringify(toJson(value));
  return '';
}

function toJson(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : value.intValue.toString();
  }
  if (value.doubleValue !== undefined) return Number.isFinite(value.doubleValue) ? value.doubleValue : String(value.doubleValue);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('base64');
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(toJson);
  if (value.kvlistValue !== undefined) {
    const out: Record<string, unknown> = {};
    for (const kv of value.kvlistValue.values) out[kv.key] = toJson(kv.value);
    return out;
  }
  return null;
}

export function indexOfLabel(labels: readonly Label[], name: string): number {
  for (let i = 0; i < labels.length; i++) if (labels[i].name === name) return i;
  return -1;
}

/** Sets `name` in an unsorted label list, replacing an existing value. */
export function setLabel(labels: Label[], name: string, value: string): void {
  const at = indexOfLabel(labels, name);
  if (at < 0) labels.push({ name, value });
  else labels[at] = { name, value };
}

/**
 * Converts attributes to labels (unsorted). When several keys sanitise to one label name, their
 * values are joined with `;` in the lexicographic order of the original keys, as the spec asks.
 * Keys listed in `skip` (compared before sanitising) are left out.
 */
export function attributesToLabels(
  attributes: readonly KeyValue[],
  names: LabelNameCache,
  skip?: ReadonlySet<string>,
): Label[] {
  const labels: Label[] = [];
  let collided = false;
  for (let i = 0; i < attributes.length; i++) {
    const attribute = attributes[i];
    if (skip !== undefined && skip.has(attribute.key)) continue;
    const name = names.get(attribute.key);
    if (name.length === 0) continue;
    if (indexOfLabel(labels, name) >= 0) {
      collided = true;
      break;
    }
    labels.push({ name, value: attributeValueText(attribute.value) });
  }
  return collided ? joinCollidingAttributes(attributes, names, skip) : labels;
}

// The rare path: rebuilt from scratch in original-key order so joined values come out ordered.
function joinCollidingAttributes(
  attributes: readonly KeyValue[],
  names: LabelNameCache,
  skip: ReadonlySet<string> | undefined,
): Label[] {
  const byKey = attributes.filter((a) => (skip === undefined || !skip.has(a.key)) && a.key.length > 0);
  byKey.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const labels: Label[] = [];
  for (let i = 0; i < byKey.length; i++) {
    const name = names.get(byKey[i].key);
    const value = attributeValueText(byKey[i].value);
    const at = indexOfLabel(labels, name);
    if (at < 0) labels.push({ name, value });
    else labels[at] = { name, value: `${labels[at].value};${value}` };
  }
  return labels;
}

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Drops empty values (Prometheus treats them as absent) and sorts by name, in place. */
export function finishLabels(labels: Label[]): Label[] {
  let kept = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i].value.length > 0) labels[kept++] = labels[i];
  labels.length = kept;
  return labels.sort(byName);
}

/** A copy of a sorted label list with one more label at its sorted place (replacing a same-named one). */
export function withSortedLabel(sorted: readonly Label[], label: Label): Label[] {
  const out: Label[] = new Array(sorted.length + 1);
  let o = 0;
  let placed = false;
  for (let i = 0; i < sorted.length; i++) {
    const current = sorted[i];
    if (!placed && current.name >= label.name) {
      out[o++] = label;
      placed = true;
      if (current.name === label.name) continue;
    }
    out[o++] = current;
  }
  if (!placed) out[o++] = label;
  out.length = o;
  return out;
}
