// OTLP names → Prometheus names, following the OpenTelemetry "Prometheus and OpenMetrics
// Compatibility" spec and the Collector's translator (pkg/translator/prometheus), so dashboards
// built against the Collector's prometheusremotewrite exporter keep working.

/** The Prometheus type a metric family becomes; decides the type suffix and `_ratio`. */
export type PromMetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

const INVALID_METRIC_CHARS = /[^a-zA-Z0-9_:]+/g;
const INVALID_LABEL_CHARS = /[^a-zA-Z0-9_]+/g;
const REPEATED_UNDERSCORES = /__+/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;
const UNIT_ANNOTATIONS = /\{[^}]*\}/g;
const NON_ALPHANUMERIC = /[^a-zA-Z0-9]+/g;

// UCUM units as OTel semantic conventions write them, spelled as Prometheus base-unit words.
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  B: 'bytes',
  KB: 'kilobytes',
  MB: 'megabytes',
  GB: 'gigabytes',
  TB: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
  $: 'dollars',
};

// The denominator of a rate (`m/s`) reads as a singular word: meters_per_second.
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/**
 * Replaces characters Prometheus forbids in metric names with `_`, collapses runs of `_`, trims
 * `_` at the edges (as the Collector does), and prefixes `_` when the name would start with a digit.
 */
export function sanitizeMetricName(name: string): string {
  let out = name.replace(INVALID_METRIC_CHARS, '_').replace(REPEATED_UNDERSCORES, '_').replace(EDGE_UNDERSCORES, '');
  if (out.length === 0) return '_';
  const first = out.charCodeAt(0);
  if (first >= 48 && first <= 57) out = '_' + out;
  return out;
}

/**
 * Turns an attribute key into a label name: invalid characters become `_`, runs of `_` collapse
 * (so no attribute can forge a reserved `__` label), and a leading digit gets the Collector's
 * `key_` prefix. Returns '' for an empty key; callers drop those.
 */
export function sanitizeLabelName(key: string): string {
  if (key.length === 0) return '';
  let out = key.replace(INVALID_LABEL_CHARS, '_').replace(REPEATED_UNDERSCORES, '_');
  const first = out.charCodeAt(0);
  if (first >= 48 && first <= 57) out = 'key_' + out;
  return out;
}

function unitWord(unit: string): string {
  const known = UNIT_WORDS[unit];
  if (known !== undefined) return known;
  return unit.replace(NON_ALPHANUMERIC, '');
}

/**
 * The Prometheus unit word for an OTLP unit, or '' when there is none: `{…}` annotations are
 * dropped, `s` → `seconds`, `m/s` → `meters_per_second`, `1` → `ratio` (gauges only; a count of
 * things is unitless in Prometheus).
 */
export function prometheusUnit(unit: string, kind: PromMetricKind): string {
  const stripped = unit.replace(UNIT_ANNOTATIONS, '').trim();
  if (stripped.length === 0) return '';
  if (stripped === '1') return kind === 'gauge' ? 'ratio' : '';
  const slash = stripped.indexOf('/');
  if (slash < 0) return unitWord(stripped);
  const main = stripped.slice(0, slash).trim();
  const per = stripped.slice(slash + 1).trim();
  const mainWord = main.length > 0 ? unitWord(main) : '';
  const perWord = per.length > 0 ? (PER_UNIT_WORDS[per] ?? unitWord(per)) : '';
  if (perWord.length === 0) return mainWord;
  return mainWord.length > 0 ? `${mainWord}_per_${perWord}` : `per_${perWord}`;
}

function containsWord(name: string, word: string): boolean {
  return `_${name}_`.includes(`_${word}_`);
}

/**
 * The base name of a metric family (before `_bucket`/`_sum`/`_count`): namespace prefix,
 * sanitised name, unit word unless the name already carries it, then `_total` for counters.
 * With `addSuffixes` false, neither unit nor type suffixes are added.
 */
export function metricFamilyName(
  name: string,
  unit: string,
  kind: PromMetricKind,
  namespace: string,
  addSuffixes: boolean,
): string {
  let base = namespace.length > 0 ? `${namespace}_${name}` : name;
  base = sanitizeMetricName(base);
  if (!addSuffixes) return base;
  const unitSuffix = sanitizeUnitSuffix(prometheusUnit(unit, kind));
  if (unitSuffix.length > 0 && !containsWord(base, unitSuffix)) base = `${base}_${unitSuffix}`;
  if (kind === 'counter' && !base.endsWith('_total')) base = `${base}_total`;
  return base;
}

function sanitizeUnitSuffix(word: string): string {
  return word.replace(INVALID_METRIC_CHARS, '_').replace(REPEATED_UNDERSCORES, '_').replace(EDGE_UNDERSCORES, '');
}

/**
 * Formats a float the way Prometheus client libraries write `le` and `quantile` labels (Go's
 * strconv.FormatFloat(v, 'g', -1, 64)): shortest round-trip digits, exponent form below 1e-4 and
 * from 1e6 up (`1e+06`), `+Inf`/`-Inf`/`NaN`. Matching the ecosystem's spelling keeps `le="0.005"`
 * selectors and recording rules portable.
 */
export function formatPromFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(); // shortest digits, e.g. "1.5e-7"
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    const magnitude = Math.abs(exponent);
    return `${exponential.slice(0, e)}e${sign}${magnitude < 10 ? '0' : ''}${magnitude}`;
  }
  return String(value);
}
