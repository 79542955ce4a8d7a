import type { AnyValue, KeyValue } from '../../otlp/types.ts';
import type { AttributeRule } from './config.ts';
import type { SpanFacts } from './span-facts.ts';

// User rules are compiled once into flat condition objects, their attributes into SpanFacts
// watch slots, so matching a span decodes only the attribute values the rules name.

export interface CompiledRule {
  /** Used in the decision reason: `rule:<name>`. */
  readonly name: string;
  readonly attribute: string;
  /** SLOT_NAME, SLOT_KIND or the SpanFacts watch slot of the attribute. */
  readonly slot: number;
  readonly equalsString: string | undefined;
  readonly equalsNumber: number | undefined;
  readonly equalsBool: boolean | undefined;
  readonly inStrings: ReadonlySet<string> | null;
  readonly inNumbers: ReadonlySet<number> | null;
  readonly exists: boolean | undefined;
  readonly gt: number;
  readonly gte: number;
  readonly lt: number;
  readonly lte: number;
  readonly numeric: boolean;
}

const SLOT_NAME = -1;
const SLOT_KIND = -2;

/** Compiles rules and adds their attributes to the watch list of `facts`. */
export function compileRules(rules: readonly AttributeRule[], listName: string, facts: SpanFacts): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    let inStrings: Set<string> | null = null;
    let inNumbers: Set<number> | null = null;
    if (r.in !== undefined) {
      inStrings = new Set();
      inNumbers = new Set();
      for (const v of r.in) {
        if (typeof v === 'number') inNumbers.add(v);
        else inStrings.add(String(v));
      }
    }
    out.push({
      name: r.name ?? `${listName}[${i}]`,
      attribute: r.attribute,
      slot: r.attribute === 'span.name' ? SLOT_NAME : r.attribute === 'span.kind' ? SLOT_KIND : facts.watch(r.attribute),
      equalsString: typeof r.equals === 'string' ? r.equals : undefined,
      equalsNumber: typeof r.equals === 'number' ? r.equals : undefined,
      equalsBool: typeof r.equals === 'boolean' ? r.equals : undefined,
      inStrings,
      inNumbers,
      exists: r.exists,
      gt: r.gt ?? -Infinity,
      gte: r.gte ?? -Infinity,
      lt: r.lt ?? Infinity,
      lte: r.lte ?? Infinity,
      numeric: r.gt !== undefined || r.gte !== undefined || r.lt !== undefined || r.lte !== undefined,
    });
  }
  return out;
}

/** Index of the first rule the span `facts` last read matches, or -1. */
export function firstMatchingRule(rules: readonly CompiledRule[], facts: SpanFacts, resourceAttrs: readonly KeyValue[]): number {
  for (let i = 0; i < rules.length; i++) {
    if (ruleMatches(rules[i], lookup(rules[i], facts, resourceAttrs))) return i;
  }
  return -1;
}

// Reused for span.name and span.kind, so matching a rule on them allocates nothing.
const NAME_VALUE: AnyValue = { stringValue: '' };
const KIND_VALUE: AnyValue = { doubleValue: 0 };

function lookup(rule: CompiledRule, facts: SpanFacts, resourceAttrs: readonly KeyValue[]): AnyValue | undefined {
  if (rule.slot === SLOT_NAME) {
    NAME_VALUE.stringValue = facts.name();
    return NAME_VALUE;
  }
  if (rule.slot === SLOT_KIND) {
    KIND_VALUE.doubleValue = facts.kind;
    return KIND_VALUE;
  }
  const value = facts.value(rule.slot);
  if (value !== undefined) return value;
  for (let i = 0; i < resourceAttrs.length; i++) if (resourceAttrs[i].key === rule.attribute) return resourceAttrs[i].value;
  return undefined;
}

export function ruleMatches(rule: CompiledRule, value: AnyValue | undefined): boolean {
  if (rule.exists !== undefined && rule.exists !== (value !== undefined)) return false;
  // A missing attribute satisfies only `exists: false`; no value comparison can hold for it.
  if (value === undefined) return rule.exists === false;
  if (rule.equalsString !== undefined && value.stringValue !== rule.equalsString) return false;
  if (rule.equalsBool !== undefined && value.boolValue !== rule.equalsBool) return false;
  const num = numberOf(value);
  if (rule.equalsNumber !== undefined && num !== rule.equalsNumber) return false;
  if (rule.inStrings !== null) {
    const inStr = value.stringValue !== undefined && rule.inStrings.has(value.stringValue);
    const inBool = value.boolValue !== undefined && rule.inStrings.has(String(value.boolValue));
    const inNum = num === num && rule.inNumbers!.has(num);
    if (!inStr && !inBool && !inNum) return false;
  }
  if (rule.numeric) {
    if (num !== num) return false; // NaN: not a number, numeric conditions cannot hold
    if (!(num > rule.gt && num >= rule.gte && num < rule.lt && num <= rule.lte)) return false;
  }
  return true;
}

/** The numeric reading of an int or double value; NaN otherwise. */
export function numberOf(value: AnyValue): number {
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return NaN;
}
