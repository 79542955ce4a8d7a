import { DROP_ATTRIBUTE, DROP_RECORD, HASH, MASK, MASK_TEXT } from './actions.ts';
import { KEY_ALLOWED, KEY_BLOCKED, KEY_LISTED, type KeyRules } from './key-rules.ts';
import { DROP_VALUE, DROP_WHOLE_RECORD, KEEP, type StringRedactor } from './string-redactor.ts';
import { canonicalText } from './canonical.ts';
import type { AnyValue, KeyValue } from '../../otlp/types.ts';

/** Nesting deeper than this is not walked: such values are replaced whole (fail closed). */
export const MAX_DEPTH = 32;

export interface WalkerIds {
  blockedKey: number;
  allowOnly: number;
  nestingLimit: number;
}

/**
 * Applies key rules and the string redactor to attribute lists and AnyValues, in place. Removed
 * attributes are compacted out of their array without allocating. `changed` says whether the
 * last walked list was modified (metrics use it to decide whether points may now collide);
 * `dropRecord` is set when a drop_record action fired (the caller resets it per record).
 */
export class AttributeWalker {
  changed: boolean;
  dropRecord: boolean;
  readonly #strings: StringRedactor;
  readonly #rules: KeyRules | null;
  readonly #blockedAction: number;
  readonly #ids: WalkerIds;

  constructor(strings: StringRedactor, rules: KeyRules | null, blockedAction: number, ids: WalkerIds) {
    this.changed = false;
    this.dropRecord = false;
    this.#strings = strings;
    this.#rules = rules;
    this.#blockedAction = blockedAction;
    this.#ids = ids;
  }

  /** Redacts a top-level attribute list (allow_only applies); true when it changed. */
  attributes(list: KeyValue[]): boolean {
    this.changed = false;
    this.#list(list, 0);
    return this.changed;
  }

  /** Redacts a value that is not under an attribute key (a log body). False: remove it. */
  value(value: AnyValue): boolean {
    return this.#value(value, '', 1);
  }

  /** Redacts a plain string such as a span name; drop actions become a mask there. */
  text(text: string): string {
    const strings = this.#strings;
    const result = strings.redact(text, '');
    if (strings.outcome === KEEP) return text;
    if (strings.outcome === DROP_WHOLE_RECORD) this.dropRecord = true;
    return strings.outcome >= DROP_VALUE ? MASK_TEXT : result;
  }

  #list(list: KeyValue[], depth: number): void {
    const rules = this.#rules;
    let write = 0;
    for (let read = 0; read < list.length; read++) {
      const kv = list[read];
      let keep = true;
      if (rules !== null) {
        const bits = rules.classify(kv.key);
        if ((bits & KEY_ALLOWED) !== 0) {
          list[write++] = kv;
          continue;
        }
        if (depth === 0 && rules.allowOnly && (bits & KEY_LISTED) === 0) {
          this.#strings.count(this.#ids.allowOnly, DROP_ATTRIBUTE);
          this.changed = true;
          continue;
        }
        if ((bits & KEY_BLOCKED) !== 0) {
          keep = this.#replaceWhole(kv, this.#ids.blockedKey);
          this.changed = true;
          if (keep) list[write++] = kv;
          continue;
        }
      }
      keep = this.#value(kv.value, kv.key, depth + 1);
      if (keep) list[write++] = kv;
    }
    if (write !== list.length) {
      list.length = write;
      this.changed = true;
    }
  }

  /** Returns false when the value must be removed from its container. */
  #value(value: AnyValue, key: string, depth: number): boolean {
    const text = value.stringValue;
    if (text !== undefined) {
      const strings = this.#strings;
      const result = strings.redact(text, key);
      const outcome = strings.outcome;
      if (outcome === KEEP) return true;
      this.changed = true;
      if (outcome === DROP_WHOLE_RECORD) {
        this.dropRecord = true;
        return false;
      }
      if (outcome === DROP_VALUE) return false;
      value.stringValue = result;
      return true;
    }
    const kvlist = value.kvlistValue;
    const array = value.arrayValue;
    if (kvlist === undefined && array === undefined) return true;
    if (depth > MAX_DEPTH) {
      this.#strings.count(this.#ids.nestingLimit, MASK);
      this.changed = true;
      value.kvlistValue = undefined;
      value.arrayValue = undefined;
      value.stringValue = MASK_TEXT;
      return true;
    }
    if (kvlist !== undefined) {
      this.#list(kvlist.values, depth);
      return true;
    }
    const values = array!.values;
    let write = 0;
    for (let read = 0; read < values.length; read++) {
      if (this.#value(values[read], key, depth + 1)) values[write++] = values[read];
    }
    if (write !== values.length) {
      values.length = write;
      this.changed = true;
    }
    return true;
  }

  /** A blocked key: the whole value, whatever its type, gets the global action. */
  #replaceWhole(kv: KeyValue, detector: number): boolean {
    let action = this.#blockedAction;
    if (action === DROP_RECORD && !this.#strings.recordDropAllowed) action = DROP_ATTRIBUTE;
    this.#strings.count(detector, action);
    if (action === DROP_RECORD) {
      this.dropRecord = true;
      return false;
    }
    if (action === DROP_ATTRIBUTE) return false;
    const replacement = action === HASH ? this.#strings.hashToken(canonicalText(kv.value)) : MASK_TEXT;
    kv.value = { stringValue: replacement };
    return true;
  }
}
