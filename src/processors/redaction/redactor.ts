import { actionCode, HASH, TRUNCATE } from './actions.ts';
import { AttributeWalker } from './attribute-walker.ts';
import type { RedactionConfig } from './config.ts';
import { RedactionCounts, type RedactionCount } from './counts.ts';
import { BLOCKED_KEY_DETECTOR, BUILTIN_DETECTORS, OVERSIZE_DETECTOR, type BuiltinDetectorName } from './detectors/names.ts';
import { ValueScanner } from './detectors/scanner.ts';
import { Hasher, loadHashKey } from './hasher.ts';
import { ChangeProbe } from './change-probe.ts';
import { compileKeyRules } from './key-rules.ts';
import { mergeCollidingPoints } from './merge-points.ts';
import { RecordBytesRedactor } from './record-bytes.ts';
import { StringRedactor } from './string-redactor.ts';
import { TraceBytesRedactor } from './trace-bytes.ts';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Metric,
  Resource,
  Span,
} from '../../otlp/types.ts';

export const SUMMARY_ATTRIBUTE = 'redaction.detectors';
const ALLOW_ONLY_DETECTOR = 'allow_only';
const NESTING_LIMIT_DETECTOR = 'nesting_limit';

export interface Redactor {
  /** Redacts every span, event and link in place. */
  redactTraces(request: ExportTraceServiceRequest): void;
  /**
   * Redacts an encoded trace request, with the same result as redactTraces: spans with nothing
   * to redact stay as they are, byte for byte. Returns `bytes` itself when nothing changed.
   */
  redactTraceBytes(bytes: Uint8Array): Uint8Array;
  /** Redacts every data point and exemplar in place; merges points that redaction made collide. */
  redactMetrics(request: ExportMetricsServiceRequest): void;
  /** Redacts every log record in place and removes those a drop_record action hit. Returns how many were removed. */
  redactLogs(request: ExportLogsServiceRequest): number;
  /**
   * Redacts an encoded metrics request, with the same result as redactMetrics: metrics with
   * nothing to redact stay as they are, byte for byte. Returns `bytes` itself when nothing changed;
   * `removedItems` is then how many data points were merged away.
   */
  redactMetricBytes(bytes: Uint8Array): Uint8Array;
  /**
   * Redacts an encoded logs request, with the same result as redactLogs: log records with nothing
   * to redact stay as they are, byte for byte. Returns `bytes` itself when nothing changed;
   * `removedItems` is then how many log records drop_record removed.
   */
  redactLogBytes(bytes: Uint8Array): Uint8Array;
  /** The items (log records, data points) the last redactLogBytes or redactMetricBytes removed. */
  readonly removedItems: number;
  /** Redacts one string as an attribute value under `key` (drop actions yield ''). For tests and tools. */
  redactString(value: string, key?: string): string;
  /** Occurrences redacted per (detector, action) since the last call; resets them. */
  takeCounts(): RedactionCount[];
}

/**
 * Compiles a redactor from a parsed config. Throws MissingHashKeyError when a hash action is
 * configured (globally, per detector, per custom pattern or for oversize values) and no key is
 * available.
 */
export function createRedactor(config: RedactionConfig, env: NodeJS.ProcessEnv = process.env): Redactor {
  return new RedactorEngine(config, env);
}

class RedactorEngine implements Redactor {
  readonly #walker: AttributeWalker;
  readonly #strings: StringRedactor;
  readonly #counts: RedactionCounts;
  readonly #detectorNames: readonly string[];
  readonly #includeSpanNames: boolean;
  readonly #summary: boolean;
  readonly #traceBytes: TraceBytesRedactor;
  readonly #recordBytes: RecordBytesRedactor;

  constructor(config: RedactionConfig, env: NodeJS.ProcessEnv) {
    const globalAction = actionCode(config.action);
    const enabled = new Set<BuiltinDetectorName>();
    const names: string[] = [...BUILTIN_DETECTORS];
    const actions: number[] = [];
    for (const name of BUILTIN_DETECTORS) {
      const settings = config.detectors[name];
      if (settings?.enabled !== false) enabled.add(name);
      actions.push(settings?.action !== undefined ? actionCode(settings.action) : globalAction);
    }
    for (const custom of config.custom_patterns) {
      names.push(custom.name);
      actions.push(custom.action !== undefined ? actionCode(custom.action) : globalAction);
    }
    const ids = {
      blockedKey: names.push(BLOCKED_KEY_DETECTOR) - 1,
      allowOnly: names.push(ALLOW_ONLY_DETECTOR) - 1,
      nestingLimit: names.push(NESTING_LIMIT_DETECTOR) - 1,
    };
    const oversizeId = names.push(OVERSIZE_DETECTOR) - 1;
    actions.push(globalAction, globalAction, globalAction, globalAction);

    const oversizeAction = config.oversize_action === 'hash' ? HASH : TRUNCATE;
    const anyHash = oversizeAction === HASH || actions.some((action, id) => action === HASH && isReachable(id, enabled, config));
    const hasher = anyHash ? new Hasher(loadHashKey(config, env), config.hash_length) : null;

    this.#counts = new RedactionCounts(names);
    this.#detectorNames = names;
    this.#strings = new StringRedactor(
      {
        scanner: new ValueScanner(
          enabled,
          config.custom_patterns.map((p) => ({ pattern: p.pattern, caseInsensitive: p.case_insensitive })),
        ),
        actions: Int8Array.from(actions),
        hasher,
        counts: this.#counts,
        cardId: enabled.has('payment_card') ? BUILTIN_DETECTORS.indexOf('payment_card') : -1,
        oversizeId,
        maxValueLength: config.max_value_length,
        oversizeAction,
        detectorCount: names.length,
      },
      config.summary_attribute,
    );
    const rules = compileKeyRules(config.blocked_keys, config.allowed_keys, config.allow_only);
    this.#walker = new AttributeWalker(this.#strings, rules, globalAction, ids);
    this.#includeSpanNames = config.include_span_names;
    this.#summary = config.summary_attribute;
    this.#traceBytes = new TraceBytesRedactor({
      rules,
      includeSpanNames: config.include_span_names,
      summary: config.summary_attribute,
      blockedAction: globalAction,
      ids,
      strings: this.#strings,
      redactResource: (resource) => this.#resource(resource),
      redactAttribute: (kv) => this.#attribute(kv),
      redactSpan: (span) => this.#summarisedSpan(span),
    });
    const walker = this.#walker;
    this.#recordBytes = new RecordBytesRedactor({
      probe: new ChangeProbe(rules, this.#strings),
      summary: config.summary_attribute,
      redactResource: (resource) => this.#resource(resource),
      redactLogRecord: (record) => this.#summarisedLogRecord(record),
      redactMetric: (metric) => (this.#metric(metric) ? mergeCollidingPoints(metric) : 0),
      startLogRecord: () => {
        walker.dropRecord = false;
      },
      redactAttribute: (kv) => this.#attribute(kv),
      redactBody: (body) => walker.value(body),
      logRecordDropped: () => walker.dropRecord,
    });
  }

  /** Redacts one top-level attribute; null when it is removed. */
  #attribute(kv: KeyValue): KeyValue | null {
    const list = [kv];
    this.#walker.attributes(list);
    return list.length === 0 ? null : list[0];
  }

  get removedItems(): number {
    return this.#recordBytes.removedItems;
  }

  redactTraces(request: ExportTraceServiceRequest): void {
    this.#strings.recordDropAllowed = false;
    const resourceSpans = request.resourceSpans;
    for (let r = 0; r < resourceSpans.length; r++) {
      this.#resource(resourceSpans[r].resource);
      const scopeSpans = resourceSpans[r].scopeSpans;
      for (let s = 0; s < scopeSpans.length; s++) {
        const spans = scopeSpans[s].spans;
        for (let i = 0; i < spans.length; i++) this.#summarisedSpan(spans[i]);
      }
    }
  }

  redactTraceBytes(bytes: Uint8Array): Uint8Array {
    this.#strings.recordDropAllowed = false;
    return this.#traceBytes.redact(bytes);
  }

  #summarisedSpan(span: Span): void {
    if (this.#summary) this.#strings.clearFired();
    this.#span(span, this.#walker);
    if (this.#summary) this.#addSummary(span.attributes);
  }

  #span(span: Span, walker: AttributeWalker): void {
    if (this.#includeSpanNames) span.name = walker.text(span.name);
    walker.attributes(span.attributes);
    const events = span.events;
    for (let e = 0; e < events.length; e++) walker.attributes(events[e].attributes);
    const links = span.links;
    for (let l = 0; l < links.length; l++) walker.attributes(links[l].attributes);
  }

  redactMetrics(request: ExportMetricsServiceRequest): void {
    this.#strings.recordDropAllowed = false;
    const resourceMetrics = request.resourceMetrics;
    for (let r = 0; r < resourceMetrics.length; r++) {
      this.#resource(resourceMetrics[r].resource);
      const scopeMetrics = resourceMetrics[r].scopeMetrics;
      for (let s = 0; s < scopeMetrics.length; s++) {
        const metrics = scopeMetrics[s].metrics;
        for (let m = 0; m < metrics.length; m++) {
          if (this.#metric(metrics[m])) mergeCollidingPoints(metrics[m]);
        }
      }
    }
  }

  /** True when some point's attributes changed (so points may now collide). */
  #metric(metric: Metric): boolean {
    const points =
      metric.sum?.dataPoints ??
      metric.gauge?.dataPoints ??
      metric.histogram?.dataPoints ??
      metric.exponentialHistogram?.dataPoints ??
      metric.summary?.dataPoints;
    if (points === undefined) return false;
    const walker = this.#walker;
    let changed = false;
    for (let p = 0; p < points.length; p++) {
      const point = points[p];
      if (walker.attributes(point.attributes)) changed = true;
      const exemplars = 'exemplars' in point ? point.exemplars : undefined;
      if (exemplars !== undefined) {
        for (let e = 0; e < exemplars.length; e++) walker.attributes(exemplars[e].filteredAttributes);
      }
    }
    return changed;
  }

  redactMetricBytes(bytes: Uint8Array): Uint8Array {
    this.#strings.recordDropAllowed = false;
    return this.#recordBytes.redactMetrics(bytes);
  }

  redactLogBytes(bytes: Uint8Array): Uint8Array {
    this.#strings.recordDropAllowed = true;
    try {
      return this.#recordBytes.redactLogs(bytes);
    } finally {
      this.#strings.recordDropAllowed = false;
    }
  }

  redactLogs(request: ExportLogsServiceRequest): number {
    this.#strings.recordDropAllowed = true;
    let dropped = 0;
    const resourceLogs = request.resourceLogs;
    for (let r = 0; r < resourceLogs.length; r++) {
      this.#resource(resourceLogs[r].resource);
      const scopeLogs = resourceLogs[r].scopeLogs;
      for (let s = 0; s < scopeLogs.length; s++) {
        const records = scopeLogs[s].logRecords;
        let write = 0;
        for (let i = 0; i < records.length; i++) {
          const record = records[i];
          if (this.#summarisedLogRecord(record)) dropped++;
          else records[write++] = record;
        }
        records.length = write;
      }
    }
    this.#strings.recordDropAllowed = false;
    return dropped;
  }

  /** Redacts one log record and adds its summary attribute; true when drop_record removes it. */
  #summarisedLogRecord(record: LogRecord): boolean {
    const walker = this.#walker;
    if (this.#summary) this.#strings.clearFired();
    walker.dropRecord = false;
    if (record.body !== undefined && !walker.value(record.body)) record.body = undefined;
    walker.attributes(record.attributes);
    if (walker.dropRecord) return true;
    if (this.#summary) this.#addSummary(record.attributes);
    return false;
  }

  /** True when the resource changed. */
  #resource(resource: Resource | undefined): boolean {
    if (resource === undefined) return false;
    // Resource attributes are shared by many records: they do not feed a record's summary or
    // drop decision.
    const summary = this.#summary;
    const changed = this.#walker.attributes(resource.attributes);
    if (summary) this.#strings.clearFired();
    this.#walker.dropRecord = false;
    return changed;
  }

  #addSummary(attributes: KeyValue[]): void {
    const fired = this.#strings.fired;
    if (fired.length === 0) return;
    const values = new Array(fired.length);
    for (let i = 0; i < fired.length; i++) values[i] = { stringValue: this.#detectorNames[fired[i]] };
    attributes.push({ key: SUMMARY_ATTRIBUTE, value: { arrayValue: { values } } });
  }

  redactString(value: string, key = ''): string {
    const kv: KeyValue = { key, value: { stringValue: value } };
    const list = [kv];
    this.#walker.attributes(list);
    return list.length === 0 ? '' : (list[0].value.stringValue ?? '');
  }

  takeCounts(): RedactionCount[] {
    return this.#counts.take();
  }
}

/** Whether detector `id` can ever act: a disabled built-in's hash action needs no key. */
function isReachable(id: number, enabled: ReadonlySet<BuiltinDetectorName>, config: RedactionConfig): boolean {
  if (id < BUILTIN_DETECTORS.length) return enabled.has(BUILTIN_DETECTORS[id]);
  const customIndex = id - BUILTIN_DETECTORS.length;
  if (customIndex < config.custom_patterns.length) return true;
  // blocked_key / allow_only / nesting_limit / oversize use the global action: only blocked keys hash.
  return config.blocked_keys.length > 0 && id === BUILTIN_DETECTORS.length + config.custom_patterns.length;
}
