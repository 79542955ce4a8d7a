// Sluice's self-metrics: a small Prometheus registry. Components bind their label sets once at
// start (`bind`) so the hot path is one property increment, with no string building per batch.

type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
}

export interface BoundCounter {
  add(value: number): void;
}

export interface BoundGauge {
  set(value: number): void;
  add(value: number): void;
}

abstract class Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, Series>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected seriesFor(labels: Labels): Series {
    let key = '';
    for (let i = 0; i < this.labelNames.length; i++) key += (labels[this.labelNames[i]] ?? '') + '\u0000';
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels, value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  abstract get type(): string;

  /** `constant` is the resource's labels, already formatted (`service_name="sluice",…`), or ''. */
  render(out: string[], constant = ''): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const series of this.collect()) out.push(`${this.name}${formatLabels(this.labelNames, series.labels, constant)} ${formatValue(series.value)}`);
  }

  /** The current series, read at call time (for pushing self-metrics over OTLP). */
  snapshot(): Series[] {
    return [...this.collect()];
  }

  protected collect(): Iterable<Series> {
    return this.series.values();
  }

  /** The current series, for the status page: labels and value (a histogram's is its count). */
  samples(): Array<{ labels: Labels; value: number; sum?: number; buckets?: number[] }> {
    return Array.from(this.collect(), (series) => ({ labels: series.labels, value: series.value }));
  }
}

export class Counter extends Family {
  get type(): string {
    return 'counter';
  }

  bind(labels: Labels): BoundCounter {
    const series = this.seriesFor(labels);
    return {
      add(value: number) {
        series.value += value;
      },
    };
  }

  add(value: number, labels: Labels): void {
    this.seriesFor(labels).value += value;
  }

  /** Current value, for tests and the health checker. */
  get(labels: Labels): number {
    return this.seriesFor(labels).value;
  }
}

export class Gauge extends Family {
  get type(): string {
    return 'gauge';
  }

  bind(labels: Labels): BoundGauge {
    const series = this.seriesFor(labels);
    return {
      set(value: number) {
        series.value = value;
      },
      add(value: number) {
        series.value += value;
      },
    };
  }

  set(value: number, labels: Labels): void {
    this.seriesFor(labels).value = value;
  }

  get(labels: Labels): number {
    return this.seriesFor(labels).value;
  }
}

export interface BoundHistogram {
  /** Records `count` (default 1) observations of `value`. */
  observe(value: number, count?: number): void;
}

export interface HistogramSnapshot {
  labels: Labels;
  bounds: readonly number[];
  /** Per bucket (not cumulative), bounds.length + 1 of them. */
  counts: readonly number[];
  sum: number;
  count: number;
}

interface HistogramSeries extends Series {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
}

/**
 * A Prometheus histogram with fixed upper bounds. Observing is a short scan of the bounds and two
 * additions: bucket lists are ~15 long, where a binary search would not pay for itself.
 */
export class Histogram extends Family {
  readonly bounds: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    super(name, help, labelNames);
    this.bounds = bounds;
  }

  get type(): string {
    return 'histogram';
  }

  #series(labels: Labels): HistogramSeries {
    const series = this.seriesFor(labels) as HistogramSeries;
    if (series.counts === undefined) {
      series.counts = new Float64Array(this.bounds.length + 1);
      series.sum = 0;
    }
    return series;
  }

  bind(labels: Labels): BoundHistogram {
    const series = this.#series(labels);
    const bounds = this.bounds;
    return {
      observe(value: number, count = 1) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        series.counts[i] += count;
        series.sum += value * count;
        series.value += count;
      },
    };
  }

  /** Observes `count` items that share one value (a batch's items measured once). */
  observe(value: number, labels: Labels, count = 1): void {
    const series = this.#series(labels);
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    series.counts[i] += count;
    series.sum += value * count;
    series.value += count;
  }

  /** Observations at or below `bound` (one of the configured bounds), for tests. */
  countAtOrBelow(bound: number, labels: Labels): number {
    const series = this.#series(labels);
    let total = 0;
    for (let i = 0; i < this.bounds.length && this.bounds[i] <= bound; i++) total += series.counts[i];
    return total;
  }

  override render(out: string[], constant = ''): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    const names = [...this.labelNames, 'le'];
    for (const series of this.series.values() as Iterable<HistogramSeries>) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i];
        const le = i === this.bounds.length ? '+Inf' : formatValue(this.bounds[i]);
        out.push(`${this.name}_bucket${formatLabels(names, { ...series.labels, le }, constant)} ${formatValue(cumulative)}`);
      }
      const base = formatLabels(this.labelNames, series.labels, constant);
      out.push(`${this.name}_sum${base} ${formatValue(series.sum)}`, `${this.name}_count${base} ${formatValue(series.value)}`);
    }
  }

  /** Per series, per-bucket counts, for the periodic OTLP reader. */
  histograms(): HistogramSnapshot[] {
    const out: HistogramSnapshot[] = [];
    for (const series of this.series.values() as Iterable<HistogramSeries>) {
      out.push({ labels: series.labels, bounds: this.bounds, counts: [...series.counts], sum: series.sum, count: series.value });
    }
    return out;
  }

  /** Per series: the count as value, the sum, and cumulative bucket counts (the last is +Inf). */
  override samples(): Array<{ labels: Labels; value: number; sum: number; buckets: number[] }> {
    const out = [];
    for (const series of this.series.values() as Iterable<HistogramSeries>) {
      let cumulative = 0;
      const buckets: number[] = [];
      for (let i = 0; i <= this.bounds.length; i++) buckets.push((cumulative += series.counts[i]));
      out.push({ labels: series.labels, value: series.value, sum: series.sum, buckets });
    }
    return out;
  }
}

/** Exponential bounds: `count` of them from `start`, each `factor` times the one before. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const bounds: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) bounds.push(Number(b.toPrecision(6)));
  return bounds;
}

/** A family whose values are read at scrape time (queue sizes, process stats, engine stats). */
class CallbackFamily extends Family {
  readonly #type: string;
  readonly #collect: () => Iterable<Series>;

  constructor(name: string, help: string, labelNames: readonly string[], type: string, collect: () => Iterable<Series>) {
    super(name, help, labelNames);
    this.#type = type;
    this.#collect = collect;
  }

  get type(): string {
    return this.#type;
  }

  protected override collect(): Iterable<Series> {
    return this.#collect();
  }
}

export type Observation = { labels: Labels; value: number };

export class Telemetry {
  readonly #families = new Map<string, Family>();
  #constant = '';
  #constantLabels: Labels = {};

  /**
   * Labels on every series, from `service.telemetry.resource`: the Collector labels its own metrics
   * with service_name, service_instance_id and service_version, and dashboards select on them.
   */
  setConstantLabels(labels: Labels): void {
    this.#constantLabels = labels;
    const names = Object.keys(labels);
    this.#constant = formatLabels(names, labels, '').slice(1, -1);
  }

  get constantLabels(): Labels {
    return this.#constantLabels;
  }

  /** Every family with its current series, for the periodic OTLP reader. */
  families(): Array<{ name: string; help: string; type: string; series: Series[]; histograms?: HistogramSnapshot[] }> {
    return [...this.#families.values()].map((f) => (f instanceof Histogram ? { name: f.name, help: f.help, type: f.type, series: [], histograms: f.histograms() } : { name: f.name, help: f.help, type: f.type, series: f.snapshot() }));
  }

  readonly #status = new Map<string, () => unknown>();

  /** A JSON document served at /status on the metrics address (e.g. cardinality offenders). */
  status(name: string, provide: () => unknown): void {
    this.#status.set(name, provide);
  }

  renderStatus(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, provide] of this.#status) out[name] = provide();
    return out;
  }

  readonly #callbacks = new Map<string, Array<() => Iterable<Observation>>>();

  counter(name: string, help: string, labelNames: readonly string[]): Counter {
    return this.#family(name, () => new Counter(name, help, labelNames)) as Counter;
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.#family(name, () => new Histogram(name, help, labelNames, bounds)) as Histogram;
  }

  gauge(name: string, help: string, labelNames: readonly string[]): Gauge {
    return this.#family(name, () => new Gauge(name, help, labelNames)) as Gauge;
  }

  /**
   * A gauge or counter read at scrape time. Several components may register callbacks under one
   * name (each exporter's queue size); their observations are rendered together.
   */
  observe(name: string, help: string, labelNames: readonly string[], collect: () => Iterable<Observation>, type: 'gauge' | 'counter' = 'gauge'): () => void {
    let callbacks = this.#callbacks.get(name);
    if (callbacks === undefined) {
      const list: Array<() => Iterable<Observation>> = [];
      callbacks = list;
      this.#callbacks.set(name, list);
      this.#family(name, () => new CallbackFamily(name, help, labelNames, type, function* () {
        for (let i = 0; i < list.length; i++) yield* list[i]();
      }));
    }
    callbacks.push(collect);
    const list = callbacks;
    return () => {
      const index = list.indexOf(collect);
      if (index >= 0) list.splice(index, 1);
    };
  }

  #family(name: string, create: () => Family): Family {
    let family = this.#families.get(name);
    if (family === undefined) {
      family = create();
      this.#families.set(name, family);
    }
    return family;
  }

  /** Every family's current series, by name, for the status page (a JSON view of /metrics). */
  snapshot(): Record<string, { type: string; bounds?: readonly number[]; series: ReturnType<Family['samples']> }> {
    const out: Record<string, { type: string; bounds?: readonly number[]; series: ReturnType<Family['samples']> }> = {};
    for (const [name, family] of this.#families) {
      out[name] = { type: family.type, bounds: family instanceof Histogram ? family.bounds : undefined, series: family.samples() };
    }
    return out;
  }

  /** The Prometheus text exposition format, version 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const family of this.#families.values()) family.render(out, this.#constant);
    out.push('');
    return out.join('\n');
  }
}

function formatLabels(names: readonly string[], labels: Labels, constant: string): string {
  let text = constant;
  for (let i = 0; i < names.length; i++) {
    const value = labels[names[i]];
    if (value === undefined) continue;
    text += `${text === '' ? '' : ','}${names[i]}="${escapeLabel(value)}"`;
  }
  return text === '' ? '' : `{${text}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Item-kind names per signal, as the Collector spells its hop metrics. */
export const ITEM_NAMES = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' } as const;
