import type { AnyValue, KeyValue, Span } from '../../otlp/types.ts';
import type { AttributeRule } from './config.ts';

// User rules are compiled once into flat condition objects so matching a span is a few string
// compares and no allocation.

export interface CompiledRule {
  /** Used in the decision reason: `rule:<name>`. */
  readonly name: string;
  readonly attribute: string;
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

export function compileRules(rules: readonly AttributeRule[], listName: string): CompiledRule[] {
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

/** Index of the first rule the span matches, or -1. */
export function firstMatchingRule(rules: readonly CompiledRule[], span: Span, resourceAttrs: readonly KeyValue[]): number {
  for (let i = 0; i < rules.length; i++) {
    if (ruleMatches(rules[i], span, resourceAttrs)) return i;
  }
  return -1;
}

const NAME_VALUE: AnyValue = { stringValue: '' };
const KIND_VALUE: AnyValue = { doubleValue: 0 };

function lookup(attribute: string, span: Span, resourceAttrs: readonly KeyValue[]): AnyValue | undefined {
  if (attribute === 'span.name') {
    NAME_VALUE.stringValue = span.name;
    return NAME_VALUE;
  }
  if (attribute === 'span.kind') {
    KIND_VALUE.doubleValue = span.kind;
    return KIND_VALUE;
  }
  const attrs = span.attributes;
  for (let i = 0; i < attrs.length; i++) if (attrs[i].key === attribute) return attrs[i].value;
  for (let i = 0; i < resourceAttrs.length; i++) if (resourceAttrs[i].key === attribute) return resourceAttrs[i].value;
  return undefined;
}

export function ruleMatches(rule: CompiledRule, span: Span, resourceAttrs: readonly KeyValue[]): boolean {
  const value = lookup(rule.attribute, span, resourceAttrs);
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
