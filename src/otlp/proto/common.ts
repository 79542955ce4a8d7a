// Protobuf codec for opentelemetry/proto/common/v1 and resource/v1 messages.
// Field numbers: AnyValue{string 1, bool 2, int64 3, double 4, array 5, kvlist 6, bytes 7},
// ArrayValue{values 1}, KeyValueList{values 1}, KeyValue{key 1, value 2},
// InstrumentationScope{name 1, version 2, attributes 3, dropped_attributes_count 4},
// EntityRef{schema_url 1, type 2, id_keys 3, description_keys 4},
// Resource{attributes 1, dropped_attributes_count 2, entity_refs 3}.
//
// Emitting rule, shared by every encoder here: fields equal to their proto3 default are omitted,
// except the ones the OpenTelemetry JS SDK always writes (noted "always"), so SDK bytes survive
// decode + encode byte for byte.
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../types.ts';
import { fieldMask, ProtoReader } from './reader.ts';
import { lenField, ProtoWriter, varint64Size, varintSize } from './writer.ts';

const MAX_DEPTH = 64;

const ANY_VALUE_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7);
const LIST_FIELDS = fieldMask(1);
const KEY_VALUE_FIELDS = fieldMask(1, 2);
const SCOPE_FIELDS = fieldMask(1, 2, 3, 4);
const ENTITY_REF_FIELDS = fieldMask(1, 2, 3, 4);
const RESOURCE_FIELDS = fieldMask(1, 2, 3);

// ---- decode ----

export function decodeAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_DEPTH) r.fail(`AnyValue nested deeper than ${MAX_DEPTH}`);
  let v: AnyValue | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        v = { stringValue: r.string(end) };
        break;
      case 16:
        v = { boolValue: r.varint32(end) !== 0 };
        break;
      case 24:
        v = { intValue: BigInt.asIntN(64, r.varint64(end)) };
        break;
      case 33:
        v = { doubleValue: r.double(end) };
        break;
      case 42: {
        const stop = r.sub(end);
        v = { arrayValue: { values: decodeAnyValueList(r, stop, depth + 1) } };
        break;
      }
      case 50: {
        const stop = r.sub(end);
        v = { kvlistValue: { values: decodeKeyValueList(r, stop, depth + 1) } };
        break;
      }
      case 58:
        v = { bytesValue: r.bytes(end) };
        break;
      default:
        r.unknown(t, end, ANY_VALUE_FIELDS, 'AnyValue');
    }
  }
  return v === undefined ? {} : v;
}

function decodeAnyValueList(r: ProtoReader, end: number, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) {
      const stop = r.sub(end);
      values.push(decodeAnyValue(r, stop, depth));
    } else r.unknown(t, end, LIST_FIELDS, 'ArrayValue');
  }
  return values;
}

function decodeKeyValueList(r: ProtoReader, end: number, depth: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) {
      const stop = r.sub(end);
      values.push(decodeKeyValue(r, stop, depth));
    } else r.unknown(t, end, LIST_FIELDS, 'KeyValueList');
  }
  return values;
}

export function decodeKeyValue(r: ProtoReader, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === 10) key = r.string(end);
    else if (t === 18) {
      const stop = r.sub(end);
      value = decodeAnyValue(r, stop, depth);
    } else r.unknown(t, end, KEY_VALUE_FIELDS, 'KeyValue');
  }
  return { key, value: value === undefined ? {} : value };
}

/** Reads one length-delimited KeyValue field body and appends it. */
export function pushKeyValue(r: ProtoReader, end: number, out: KeyValue[]): void {
  const stop = r.sub(end);
  out.push(decodeKeyValue(r, stop, 0));
}

export function decodeScope(r: ProtoReader, end: number): InstrumentationScope {
  let name = '';
  let version = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        name = r.string(end);
        break;
      case 18:
        version = r.string(end);
        break;
      case 26:
        pushKeyValue(r, end, attributes);
        break;
      case 32:
        droppedAttributesCount = r.varint32(end);
        break;
      default:
        r.unknown(t, end, SCOPE_FIELDS, 'InstrumentationScope');
    }
  }
  return { name, version, attributes, droppedAttributesCount };
}

function decodeEntityRef(r: ProtoReader, end: number): EntityRef {
  let schemaUrl = '';
  let type = '';
  const idKeys: string[] = [];
  const descriptionKeys: string[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        schemaUrl = r.string(end);
        break;
      case 18:
        type = r.string(end);
        break;
      case 26:
        idKeys.push(r.string(end));
        break;
      case 34:
        descriptionKeys.push(r.string(end));
        break;
      default:
        r.unknown(t, end, ENTITY_REF_FIELDS, 'EntityRef');
    }
  }
  return { schemaUrl, type, idKeys, descriptionKeys };
}

export function decodeResource(r: ProtoReader, end: number): Resource {
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const entityRefs: EntityRef[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case 10:
        pushKeyValue(r, end, attributes);
        break;
      case 16:
        droppedAttributesCount = r.varint32(end);
        break;
      case 26: {
        const stop = r.sub(end);
        entityRefs.push(decodeEntityRef(r, stop));
        break;
      }
      default:
        r.unknown(t, end, RESOURCE_FIELDS, 'Resource');
    }
  }
  return { attributes, droppedAttributesCount, entityRefs };
}

// ---- size (pass 1) ----

export function anyValueSize(w: ProtoWriter, v: AnyValue, depth: number): number {
  if (depth > MAX_DEPTH) throw new RangeError(`AnyValue nested deeper than ${MAX_DEPTH}`);
  if (v.stringValue !== undefined) return 1 + w.stringSize(v.stringValue);
  if (v.boolValue !== undefined) return 2;
  if (v.intValue !== undefined) return 1 + varint64Size(v.intValue);
  if (v.doubleValue !== undefined) return 9;
  if (v.arrayValue !== undefined) {
    const slot = w.reserve();
    const values = v.arrayValue.values;
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const s = w.reserve();
      const b = anyValueSize(w, values[i], depth + 1);
      w.setSize(s, b);
      n += lenField(b);
    }
    w.setSize(slot, n);
    return lenField(n);
  }
  if (v.kvlistValue !== undefined) {
    const slot = w.reserve();
    const n = attributesSize(w, v.kvlistValue.values, depth + 1);
    w.setSize(slot, n);
    return lenField(n);
  }
  if (v.bytesValue !== undefined) return lenField(v.bytesValue.length);
  return 0;
}

function keyValueSize(w: ProtoWriter, kv: KeyValue, depth: number): number {
  // key and value: always (the SDK writes both even when empty)
  let n = 1 + w.stringSize(kv.key);
  const slot = w.reserve();
  const b = kv.value === undefined ? 0 : anyValueSize(w, kv.value, depth);
  w.setSize(slot, b);
  return n + lenField(b);
}

/** Total size of a repeated KeyValue field with a one-byte tag. */
export function attributesSize(w: ProtoWriter, attributes: KeyValue[], depth: number): number {
  let n = 0;
  for (let i = 0; i < attributes.length; i++) {
    const slot = w.reserve();
    const b = keyValueSize(w, attributes[i], depth);
    w.setSize(slot, b);
    n += lenField(b);
  }
  return n;
}

export function scopeSize(w: ProtoWriter, s: InstrumentationScope): number {
  let n = 1 + w.stringSize(s.name); // always
  if (s.version !== '') n += 1 + w.stringSize(s.version);
  n += attributesSize(w, s.attributes, 0);
  if (s.droppedAttributesCount !== 0) n += 1 + varintSize(s.droppedAttributesCount);
  return n;
}

function stringsSize(w: ProtoWriter, list: string[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) n += 1 + w.stringSize(list[i]);
  return n;
}

function entityRefSize(w: ProtoWriter, e: EntityRef): number {
  let n = 0;
  if (e.schemaUrl !== '') n += 1 + w.stringSize(e.schemaUrl);
  if (e.type !== '') n += 1 + w.stringSize(e.type);
  n += stringsSize(w, e.idKeys);
  n += stringsSize(w, e.descriptionKeys);
  return n;
}

export function resourceSize(w: ProtoWriter, res: Resource): number {
  let n = attributesSize(w, res.attributes, 0);
  n += 1 + varintSize(res.droppedAttributesCount); // always
  const refs = res.entityRefs;
  if (refs !== undefined) {
    for (let i = 0; i < refs.length; i++) {
      const slot = w.reserve();
      const b = entityRefSize(w, refs[i]);
      w.setSize(slot, b);
      n += lenField(b);
    }
  }
  return n;
}

// ---- write (pass 2) ----

export function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  if (v.stringValue !== undefined) {
    w.byte(10);
    w.string(v.stringValue);
  } else if (v.boolValue !== undefined) {
    w.byte(16);
    w.byte(v.boolValue ? 1 : 0);
  } else if (v.intValue !== undefined) {
    w.byte(24);
    w.varint64(v.intValue);
  } else if (v.doubleValue !== undefined) {
    w.byte(33);
    w.double(v.doubleValue);
  } else if (v.arrayValue !== undefined) {
    w.messageHeader(42);
    const values = v.arrayValue.values;
    for (let i = 0; i < values.length; i++) {
      w.messageHeader(10);
      writeAnyValue(w, values[i]);
    }
  } else if (v.kvlistValue !== undefined) {
    w.messageHeader(50);
    writeAttributes(w, 10, v.kvlistValue.values);
  } else if (v.bytesValue !== undefined) {
    w.byte(58);
    w.bytes(v.bytesValue);
  }
}

export function writeAttributes(w: ProtoWriter, tag: number, attributes: KeyValue[]): void {
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i];
    w.messageHeader(tag);
    w.byte(10);
    w.string(kv.key);
    w.messageHeader(18);
    if (kv.value !== undefined) writeAnyValue(w, kv.value);
  }
}

export function writeScope(w: ProtoWriter, s: InstrumentationScope): void {
  w.byte(10);
  w.string(s.name);
  if (s.version !== '') {
    w.byte(18);
    w.string(s.version);
  }
  writeAttributes(w, 26, s.attributes);
  if (s.droppedAttributesCount !== 0) {
    w.byte(32);
    w.varint(s.droppedAttributesCount);
  }
}

function writeStrings(w: ProtoWriter, tag: number, list: string[]): void {
  for (let i = 0; i < list.length; i++) {
    w.byte(tag);
    w.string(list[i]);
  }
}

export function writeResource(w: ProtoWriter, res: Resource): void {
  writeAttributes(w, 10, res.attributes);
  w.byte(16);
  w.varint(res.droppedAttributesCount);
  const refs = res.entityRefs;
  if (refs !== undefined) {
    for (let i = 0; i < refs.length; i++) {
      const e = refs[i];
      w.messageHeader(26);
      if (e.schemaUrl !== '') {
        w.byte(10);
        w.string(e.schemaUrl);
      }
      if (e.type !== '') {
        w.byte(18);
        w.string(e.type);
      }
      writeStrings(w, 26, e.idKeys);
      writeStrings(w, 34, e.descriptionKeys);
    }
  }
}
