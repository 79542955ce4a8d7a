import { z } from 'zod';

// Durations and sizes are written the Collector's way (`200ms`, `5s`, `1m`; `512MiB` or bytes).
// Schemas parse them into milliseconds and bytes once, at config load, so no component ever
// handles the string form.

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/** Parses `1h2m3.5s`-style durations into milliseconds; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed.length === 0) return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < trimmed.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(trimmed);
    if (match === null || match.index !== start) return undefined;
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
  }
  return total;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses `512MiB`, `10MB`, `1024` into bytes; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (match === null) return undefined;
  const unit = SIZE_UNITS[match[2].toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/**
 * A duration field: accepts `200ms`-style text or a number of milliseconds; yields milliseconds.
 * Pass the default in the written form (`duration('5s')`): it is applied before the transform,
 * where a `.default()` added afterwards would skip it.
 */
export function duration(defaultValue?: string | number) {
  const input = z.union([z.string(), z.number()]);
  return (defaultValue === undefined ? input : input.default(defaultValue)).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)} (write e.g. 200ms, 5s, 1m)` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size field: accepts `512MiB`-style text or a number of bytes; yields bytes. Default as for duration(). */
export function size(defaultValue?: string | number) {
  const input = z.union([z.string(), z.number()]);
  return (defaultValue === undefined ? input : input.default(defaultValue)).transform((value, ctx) => {
    const bytes = typeof value === 'number' ? value : parseSize(value);
    if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
      ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)} (write e.g. 512MiB or a number of bytes)` });
      return z.NEVER;
    }
    return bytes;
  });
}

/** An object section that may be left out: it then takes every field's default. */
export function section<T extends z.ZodType>(schema: T) {
  return schema.default(() => schema.parse({}) as never);
}

/**
 * A listening address, `host:port` (`:port` and `[v6]:port` too). A port is required: gRPC would
 * otherwise bind 443 without a word, and the Collector refuses it too.
 */
export function listenEndpoint(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .superRefine((value, ctx) => {
      const problem = endpointProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
}

const HOST_PORT = /^(?:\[[^\]]+\]|[^:[\]]*):(\d+)$/;

export function endpointProblem(value: string): string | undefined {
  const match = HOST_PORT.exec(value.trim());
  if (match === null) return `endpoint "${value}" needs a port (write host:port, e.g. 127.0.0.1:4317 or 0.0.0.0:4317)`;
  if (Number(match[1]) > 65_535) return `endpoint "${value}": port ${match[1]} is out of range (0-65535)`;
  return undefined;
}

/**
 * A text field that a whole `${env:VAR}` reference may fill: the reference takes its YAML type
 * (`123456` is a number), but a Grafana Cloud instance id or a numeric API key is still text,
 * as the Collector reads it into its string fields.
 */
export function text() {
  return z.union([z.string(), z.number(), z.boolean()]).transform(String);
}
