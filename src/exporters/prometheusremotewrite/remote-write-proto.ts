import type { Label, MetricMetadata, TimeSeries } from './series.ts';

// prometheus.WriteRequest (remote write 1.0, prompb/remote.proto + types.proto):
//   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2; }
//   Label          { string name = 1; string value = 2; }
//   Sample         { double value = 1; int64 timestamp = 2; }
//   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
//
// Two passes: measure every message, then write once into one exactly-sized buffer, so nothing
// is copied or re-grown. The measuring pass also cuts the batch into requests under a byte limit.

const TAG_TIMESERIES = (1 << 3) | 2;
const TAG_METADATA = (3 << 3) | 2;
const TAG_LABEL = (1 << 3) | 2;
const TAG_SAMPLE = (2 << 3) | 2;
const TAG_LABEL_NAME = (1 << 3) | 2;
const TAG_LABEL_VALUE = (2 << 3) | 2;
const TAG_SAMPLE_VALUE = (1 << 3) | 1;
const TAG_SAMPLE_TIMESTAMP = (2 << 3) | 0;
const TAG_METADATA_TYPE = (1 << 3) | 0;
const TAG_METADATA_NAME = (2 << 3) | 2;
const TAG_METADATA_HELP = (4 << 3) | 2;
const TAG_METADATA_UNIT = (5 << 3) | 2;

/** Prometheus's staleness marker (value.StaleNaN), little-endian as a protobuf double. */
const STALE_NAN_BYTES = [0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f] as const;

// Label strings are short: a JS loop beats a native Buffer call per string. Long ones go native.
const NATIVE_STRING_THRESHOLD = 64;

// Doubles go through one scratch cell; byte order is the platform's, so swap on big-endian hosts.
const doubleCell = new Float64Array(1);
const doubleBytes = new Uint8Array(doubleCell.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function utf8Length(text: string): number {
  if (text.length >= NATIVE_STRING_THRESHOLD) return Buffer.byteLength(text, 'utf8');
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if ((c & 0xfc00) === 0xd800 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function varintSize(value: number): number {
  if (value < 0) return 10; // negative int64: two's complement, always ten bytes
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  if (value < 0x100000000000000) return 8;
  return value < 0x8000000000000000 ? 9 : 10;
}

function fieldSize(byteLength: number): number {
  return 1 + varintSize(byteLength) + byteLength;
}

/** Byte lengths of every label string, in walk order, measured once and replayed by the writer. */
class LengthTape {
  values = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

function measureLabel(label: Label, tape: LengthTape): number {
  const nameBytes = utf8Length(label.name);
  const valueBytes = utf8Length(label.value);
  const size = fieldSize(nameBytes) + fieldSize(valueBytes);
  tape.push(nameBytes);
  tape.push(valueBytes);
  tape.push(size);
  return size;
}

function sampleSize(timestamp: number): number {
  return 1 + 8 + 1 + varintSize(timestamp);
}

function measureSeries(series: TimeSeries, tape: LengthTape): number {
  let size = 0;
  const labels = series.labels;
  for (let i = 0; i < labels.length; i++) size += fieldSize(measureLabel(labels[i], tape));
  const samples = series.samples;
  for (let i = 0; i < samples.length; i++) size += fieldSize(sampleSize(samples[i].timestamp));
  return size;
}

function metadataSize(entry: MetricMetadata): number {
  let size = 1 + varintSize(entry.type);
  size += fieldSize(utf8Length(entry.metricFamilyName));
  if (entry.help.length > 0) size += fieldSize(utf8Length(entry.help));
  if (entry.unit.length > 0) size += fieldSize(utf8Length(entry.unit));
  return size;
}

class ProtoWriter {
  readonly buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  varint(value: number): void {
    const buf = this.buf;
    if (value < 0) {
      let big = BigInt.asUintN(64, BigInt(value));
      while (big >= 128n) {
        buf[this.pos++] = Number(big & 127n) | 128;
        big >>= 7n;
      }
      buf[this.pos++] = Number(big);
      return;
    }
    let pos = this.pos;
    // Above 2^31 bit operators would wrap; peel those bytes off arithmetically first.
    while (value > 0x7fffffff) {
      buf[pos++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    while (value > 127) {
      buf[pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  string(tag: number, text: string, byteLength: number): void {
    const buf = this.buf;
    buf[this.pos++] = tag;
    this.varint(byteLength);
    if (byteLength !== text.length || byteLength >= NATIVE_STRING_THRESHOLD) {
      this.pos += buf.write(text, this.pos, byteLength, 'utf8');
      return;
    }
    // Byte length equals UTF-16 length only for pure ASCII: copy code units as bytes.
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  double(tag: number, value: number, stale: boolean): void {
    this.buf[this.pos++] = tag;
    const buf = this.buf;
    const pos = this.pos;
    if (stale) {
      for (let i = 0; i < 8; i++) buf[pos + i] = STALE_NAN_BYTES[i];
    } else {
      doubleCell[0] = value;
      if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) buf[pos + i] = doubleBytes[i];
      else for (let i = 0; i < 8; i++) buf[pos + i] = doubleBytes[7 - i];
    }
    this.pos = pos + 8;
  }
}

/**
 * Encodes series (and, in the first request, metadata) into WriteRequest bodies, uncompressed.
 * A new request starts whenever adding a series would pass `maxBytes`; a single series larger
 * than the limit still goes out alone rather than being dropped.
 */
export function encodeWriteRequests(
  series: readonly TimeSeries[],
  metadata: readonly MetricMetadata[],
  maxBytes: number = Infinity,
): Uint8Array[] {
  const tape = new LengthTape();
  const seriesSizes = new Int32Array(series.length);
  for (let i = 0; i < series.length; i++) seriesSizes[i] = measureSeries(series[i], tape);
  let metadataBytes = 0;
  for (let i = 0; i < metadata.length; i++) metadataBytes += fieldSize(metadataSize(metadata[i]));

  const bodies: Uint8Array[] = [];
  let start = 0;
  let tapeAt = 0;
  let requestBytes = metadataBytes;
  let withMetadata = metadata.length > 0;
  for (let i = 0; i <= series.length; i++) {
    const nextBytes = i < series.length ? fieldSize(seriesSizes[i]) : 0;
    const atEnd = i === series.length;
    if (atEnd || (requestBytes + nextBytes > maxBytes && i > start)) {
      if (i > start || withMetadata) {
        tapeAt = writeRequest(series, seriesSizes, start, i, withMetadata ? metadata : [], requestBytes, tape, tapeAt, bodies);
      }
      withMetadata = false;
      start = i;
      requestBytes = 0;
    }
    requestBytes += nextBytes;
  }
  return bodies;
}

/** Convenience for tests and single-request callers: everything in one body. */
export function encodeWriteRequest(series: readonly TimeSeries[], metadata: readonly MetricMetadata[] = []): Uint8Array {
  return encodeWriteRequests(series, metadata)[0] ?? new Uint8Array(0);
}

function writeRequest(
  series: readonly TimeSeries[],
  seriesSizes: Int32Array,
  start: number,
  end: number,
  metadata: readonly MetricMetadata[],
  totalBytes: number,
  tape: LengthTape,
  tapeAt: number,
  bodies: Uint8Array[],
): number {
  const writer = new ProtoWriter(totalBytes);
  const lengths = tape.values;
  for (let i = start; i < end; i++) {
    writer.buf[writer.pos++] = TAG_TIMESERIES;
    writer.varint(seriesSizes[i]);
    const labels = series[i].labels;
    for (let l = 0; l < labels.length; l++) {
      const nameBytes = lengths[tapeAt++];
      const valueBytes = lengths[tapeAt++];
      const labelBytes = lengths[tapeAt++];
      writer.buf[writer.pos++] = TAG_LABEL;
      writer.varint(labelBytes);
      writer.string(TAG_LABEL_NAME, labels[l].name, nameBytes);
      writer.string(TAG_LABEL_VALUE, labels[l].value, valueBytes);
    }
    const samples = series[i].samples;
    for (let s = 0; s < samples.length; s++) {
      const sample = samples[s];
      writer.buf[writer.pos++] = TAG_SAMPLE;
      writer.varint(sampleSize(sample.timestamp));
      writer.double(TAG_SAMPLE_VALUE, sample.value, sample.stale);
      writer.buf[writer.pos++] = TAG_SAMPLE_TIMESTAMP;
      writer.varint(sample.timestamp);
    }
  }
  for (let i = 0; i < metadata.length; i++) {
    const entry = metadata[i];
    writer.buf[writer.pos++] = TAG_METADATA;
    writer.varint(metadataSize(entry));
    writer.buf[writer.pos++] = TAG_METADATA_TYPE;
    writer.varint(entry.type);
    writer.string(TAG_METADATA_NAME, entry.metricFamilyName, utf8Length(entry.metricFamilyName));
    if (entry.help.length > 0) writer.string(TAG_METADATA_HELP, entry.help, utf8Length(entry.help));
    if (entry.unit.length > 0) writer.string(TAG_METADATA_UNIT, entry.unit, utf8Length(entry.unit));
  }
  if (writer.pos !== totalBytes) throw new Error(`remote write encoder: wrote ${writer.pos} bytes, measured ${totalBytes}`);
  bodies.push(writer.buf);
  return tapeAt;
}
