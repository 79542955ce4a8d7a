// Protobuf codec for opentelemetry/proto/common/v1 and resource/v1 messages; field numbers and
// tags come from the schema table (schema.ts).
//
// Emitting rule, shared by every encoder here: fields equal to their proto3 default are omitted,
// except the ones the OpenTelemetry JS SDK always writes (noted "always"), so SDK bytes survive
// decode + encode byte for byte.
import type { AnyValue, EntityRef, InstrumentationScope, KeyValue, Resource } from '../types.ts';
import { ProtoReader } from './reader.ts';
import { knownFields, TAG } from './schema.ts';
import { lenField, ProtoWriter, varint64Size, varintSize } from './writer.ts';

const MAX_DEPTH = 64;

const ANY = TAG.AnyValue;
const ARRAY = TAG.ArrayValue;
const KVLIST = TAG.KeyValueList;
const KV = TAG.KeyValue;
const SCOPE = TAG.InstrumentationScope;
const ENTITY_REF = TAG.EntityRef;
const RESOURCE = TAG.Resource;

const ANY_VALUE_FIELDS = knownFields('AnyValue');
const ARRAY_FIELDS = knownFields('ArrayValue');
const KVLIST_FIELDS = knownFields('KeyValueList');
const KEY_VALUE_FIELDS = knownFields('KeyValue');
const SCOPE_FIELDS = knownFields('InstrumentationScope');
const ENTITY_REF_FIELDS = knownFields('EntityRef');
const RESOURCE_FIELDS = knownFields('Resource');

// ---- decode ----

export function decodeAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_DEPTH) r.fail(`AnyValue nested deeper than ${MAX_DEPTH}`);
  let v: AnyValue | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    switch (t) {
      case ANY.stringValue:
        v = { stringValue: r.string(end) };
        break;
      case ANY.boolValue:
        v = { boolValue: r.varint32(end) !== 0 };
        break;
      case ANY.intValue:
        v = { intValue: BigInt.asIntN(64, r.varint64(end)) };
        break;
      case ANY.doubleValue:
        v = { doubleValue: r.double(end) };
        break;
      case ANY.arrayValue: {
        const stop = r.sub(end);
        v = { arrayValue: { values: decodeAnyValueList(r, stop, depth + 1) } };
        break;
      }
      case ANY.kvlistValue: {
        const stop = r.sub(end);
        v = { kvlistValue: { values: decodeKeyValueList(r, stop, depth + 1) } };
        break;
      }
      case ANY.bytesValue:
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
    if (t === ARRAY.values) {
      const stop = r.sub(end);
      values.push(decodeAnyValue(r, stop, depth));
    } else r.unknown(t, end, ARRAY_FIELDS, 'ArrayValue');
  }
  return values;
}

function decodeKeyValueList(r: ProtoReader, end: number, depth: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === KVLIST.values) {
      const stop = r.sub(end);
      values.push(decodeKeyValue(r, stop, depth));
    } else r.unknown(t, end, KVLIST_FIELDS, 'KeyValueList');
  }
  return values;
}

export function decodeKeyValue(r: ProtoReader, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue | undefined;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t === KV.key) key = r.string(end);
    else if (t === KV.value) {
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
      case SCOPE.name:
        name = r.string(end);
        break;
      case SCOPE.version:
        version = r.string(end);
        break;
      case SCOPE.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case SCOPE.droppedAttributesCount:
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
      case ENTITY_REF.schemaUrl:
        schemaUrl = r.string(end);
        break;
      case ENTITY_REF.type:
        type = r.string(end);
        break;
      case ENTITY_REF.idKeys:
        idKeys.push(r.string(end));
        break;
      case ENTITY_REF.descriptionKeys:
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
      case RESOURCE.attributes:
        pushKeyValue(r, end, attributes);
        break;
      case RESOURCE.droppedAttributesCount:
        droppedAttributesCount = r.varint32(end);
        break;
      case RESOURCE.entityRefs: {
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
    w.byte(ANY.stringValue);
    w.string(v.stringValue);
  } else if (v.boolValue !== undefined) {
    w.byte(ANY.boolValue);
    w.byte(v.boolValue ? 1 : 0);
  } else if (v.intValue !== undefined) {
    w.byte(ANY.intValue);
    w.varint64(v.intValue);
  } else if (v.doubleValue !== undefined) {
    w.byte(ANY.doubleValue);
    w.double(v.doubleValue);
  } else if (v.arrayValue !== undefined) {
    w.messageHeader(ANY.arrayValue);
    const values = v.arrayValue.values;
    for (let i = 0; i < values.length; i++) {
      w.messageHeader(ARRAY.values);
      writeAnyValue(w, values[i]);
    }
  } else if (v.kvlistValue !== undefined) {
    w.messageHeader(ANY.kvlistValue);
    writeAttributes(w, KVLIST.values, v.kvlistValue.values);
  } else if (v.bytesValue !== undefined) {
    w.byte(ANY.bytesValue);
    w.bytes(v.bytesValue);
  }
}

export function writeAttributes(w: ProtoWriter, tag: number, attributes: KeyValue[]): void {
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i];
    w.messageHeader(tag);
    w.byte(KV.key);
    w.string(kv.key);
    w.messageHeader(KV.value);
    if (kv.value !== undefined) writeAnyValue(w, kv.value);
  }
}

export function writeScope(w: ProtoWriter, s: InstrumentationScope): void {
  w.byte(SCOPE.name);
  w.string(s.name);
  if (s.version !== '') {
    w.byte(SCOPE.version);
    w.string(s.version);
  }
  writeAttributes(w, SCOPE.attributes, s.attributes);
  if (s.droppedAttributesCount !== 0) {
    w.byte(SCOPE.droppedAttributesCount);
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
  writeAttributes(w, RESOURCE.attributes, res.attributes);
  w.byte(RESOURCE.droppedAttributesCount);
  w.varint(res.droppedAttributesCount);
  const refs = res.entityRefs;
  if (refs !== undefined) {
    for (let i = 0; i < refs.length; i++) {
      const e = refs[i];
      w.messageHeader(RESOURCE.entityRefs);
      if (e.schemaUrl !== '') {
        w.byte(ENTITY_REF.schemaUrl);
        w.string(e.schemaUrl);
      }
      if (e.type !== '') {
        w.byte(ENTITY_REF.type);
        w.string(e.type);
      }
      writeStrings(w, ENTITY_REF.idKeys, e.idKeys);
      writeStrings(w, ENTITY_REF.descriptionKeys, e.descriptionKeys);
    }
  }
}
