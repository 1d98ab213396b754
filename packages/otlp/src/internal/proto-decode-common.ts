import type { AnyValue, InstrumentationScope, KeyValue, Resource } from '@tracelight/core';
import { malformed, MAX_DEPTH } from './proto-reader.js';
import type { ProtoReader } from './proto-reader.js';

const NONE: readonly never[] = Object.freeze([]);

// Tags (field number << 3 | wire type) of common/v1/common.proto.
const ANY_STRING = 0x0a; // 1: string_value
const ANY_BOOL = 0x10; // 2: bool_value
const ANY_INT = 0x18; // 3: int_value (int64, plain varint)
const ANY_DOUBLE = 0x21; // 4: double_value
const ANY_ARRAY = 0x2a; // 5: array_value
const ANY_KVLIST = 0x32; // 6: kvlist_value
const ANY_BYTES = 0x3a; // 7: bytes_value
const VALUES = 0x0a; // ArrayValue.values / KeyValueList.values = 1
const KV_KEY = 0x0a; // KeyValue.key = 1
const KV_VALUE = 0x12; // KeyValue.value = 2

/** An AnyValue message ending at `end`; no value set → null. */
export function readAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_DEPTH) throw malformed('AnyValue nested too deeply');
  let v: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case ANY_STRING:
        v = r.string(end);
        break;
      case ANY_BOOL:
        v = r.bool(end);
        break;
      case ANY_INT:
        v = r.int64(end);
        break;
      case ANY_DOUBLE:
        v = r.double(end);
        break;
      case ANY_ARRAY: {
        const to = r.sub(end);
        const items: AnyValue[] = [];
        while (r.pos < to) {
          const t = r.tag(to);
          if (t === VALUES) items.push(readAnyValue(r, r.sub(to), depth + 1));
          else r.skip(t, to);
        }
        v = items;
        break;
      }
      case ANY_KVLIST: {
        const to = r.sub(end);
        const kvlist: KeyValue[] = [];
        while (r.pos < to) {
          const t = r.tag(to);
          if (t === VALUES) kvlist.push(readKeyValue(r, r.sub(to), depth + 1));
          else r.skip(t, to);
        }
        v = { kvlist };
        break;
      }
      case ANY_BYTES:
        v = r.bytes(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  return v;
}

/** A KeyValue message ending at `end`; a missing value is null. */
export function readKeyValue(r: ProtoReader, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === KV_KEY) key = r.string(end);
    else if (tag === KV_VALUE) value = readAnyValue(r, r.sub(end), depth + 1);
    else r.skip(tag, end);
  }
  return { key, value };
}

/** Resource or InstrumentationScope fields, collected while the enclosing message is read. */
export interface EntityParts {
  name: string;
  version: string;
  attributes: KeyValue[] | null;
  dropped: number;
}

export function newParts(): EntityParts {
  return { name: '', version: '', attributes: null, dropped: 0 };
}

/** Resource { attributes = 1; dropped_attributes_count = 2; entity_refs = 3 (skipped) }. */
export function readResource(r: ProtoReader, end: number, into: EntityParts): void {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) (into.attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
    else if (tag === 0x10) into.dropped = r.uint32(end);
    else r.skip(tag, end);
  }
}

/** InstrumentationScope { name = 1; version = 2; attributes = 3; dropped_attributes_count = 4 }. */
export function readScope(r: ProtoReader, end: number, into: EntityParts): void {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) into.name = r.string(end);
    else if (tag === 0x12) into.version = r.string(end);
    else if (tag === 0x1a) (into.attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
    else if (tag === 0x20) into.dropped = r.uint32(end);
    else r.skip(tag, end);
  }
}

export function toResource(parts: EntityParts, schemaUrl: string): Resource {
  return { attributes: parts.attributes ?? NONE, droppedAttributesCount: parts.dropped, schemaUrl };
}

export function toScope(parts: EntityParts, schemaUrl: string): InstrumentationScope {
  return {
    name: parts.name,
    version: parts.version,
    attributes: parts.attributes ?? NONE,
    droppedAttributesCount: parts.dropped,
    schemaUrl,
  };
}

export { NONE };

/** Copies `n` bytes; for ids a plain loop beats subarray() + set(). */
export function copyBytes(from: Uint8Array, at: number, to: Uint8Array, offset: number, n: number): void {
  for (let k = 0; k < n; k++) to[offset + k] = from[at + k];
}
