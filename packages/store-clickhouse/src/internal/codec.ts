// Full-fidelity bytes for what the columns cannot hold exactly: a span's attributes (with their
// types: int vs double, bytes, nested arrays and kvlists), events, links, and its resource and
// scope. Our own small format, versioned by its first byte, so that the store depends on core
// only. Resources and scopes are encoded once per batch and stored in columns of their own
// (identical values compress to almost nothing); reading decodes each distinct blob once.
import type { AnyValue, Attributes, InstrumentationScope, KeyValue, LogRecord, Resource, Span, SpanBatch, SpanEvent, SpanKind, SpanLink, StatusCode } from '@tracelight/core';
import { TracelightError } from '@tracelight/core';
import type { RowBinaryReader, RowBinaryWriter } from './row-binary.js';

const FORMAT_V1 = 1;
/** Values nested deeper than this are stored as empty (null): no input can exhaust the stack. */
export const MAX_VALUE_DEPTH = 64;

// A plain object, not an enum: Node runs these sources with type stripping only (benchmarks).
const Tag = {
  Empty: 0,
  String: 1,
  False: 2,
  True: 3,
  Int: 4,
  Double: 5,
  Bytes: 6,
  Array: 7,
  KvList: 8,
} as const;

export function writeValue(w: RowBinaryWriter, value: AnyValue, depth = 0): void {
  switch (typeof value) {
    case 'string':
      w.u8(Tag.String);
      w.string(value);
      return;
    case 'boolean':
      w.u8(value ? Tag.True : Tag.False);
      return;
    case 'bigint':
      w.u8(Tag.Int);
      w.i64(value);
      return;
    case 'number':
      w.u8(Tag.Double);
      w.f64(value);
      return;
  }
  if (value === null || value === undefined || depth >= MAX_VALUE_DEPTH) {
    w.u8(Tag.Empty);
  } else if (value instanceof Uint8Array) {
    w.u8(Tag.Bytes);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.u8(Tag.Array);
    w.varint(value.length);
    for (const v of value) writeValue(w, v, depth + 1);
  } else {
    w.u8(Tag.KvList);
    writeAttributes(w, value.kvlist, depth + 1);
  }
}

export function writeAttributes(w: RowBinaryWriter, attributes: Attributes, depth = 0): void {
  w.varint(attributes.length);
  for (const kv of attributes) {
    w.string(kv.key);
    writeValue(w, kv.value, depth);
  }
}

function readValue(r: RowBinaryReader): AnyValue {
  const tag = r.u8();
  switch (tag) {
    case Tag.Empty:
      return null;
    case Tag.String:
      return r.string();
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int:
      return r.i64();
    case Tag.Double:
      return r.f64();
    case Tag.Bytes:
      return new Uint8Array(r.bytes());
    case Tag.Array: {
      const n = r.varint();
      const out: AnyValue[] = new Array<AnyValue>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r);
      return out;
    }
    case Tag.KvList:
      return { kvlist: readAttributes(r) };
    default:
      throw new TracelightError('CLICKHOUSE_BAD_RESPONSE', `unknown value tag ${tag} in stored span data`);
  }
}

export function readAttributes(r: RowBinaryReader): KeyValue[] {
  const n = r.varint();
  const out = new Array<KeyValue>(n);
  for (let i = 0; i < n; i++) {
    const key = r.string();
    out[i] = { key, value: readValue(r) };
  }
  return out;
}

function checkFormat(r: RowBinaryReader, what: string): void {
  const v = r.u8();
  if (v !== FORMAT_V1) throw new TracelightError('CLICKHOUSE_BAD_RESPONSE', `stored ${what} has format ${v}, this version reads ${FORMAT_V1}`);
}

export function writeResource(w: RowBinaryWriter, resource: Resource): void {
  w.u8(FORMAT_V1);
  writeAttributes(w, resource.attributes);
  w.varint(resource.droppedAttributesCount);
  w.string(resource.schemaUrl);
}

export function readResource(r: RowBinaryReader): Resource {
  checkFormat(r, 'resource');
  const attributes = readAttributes(r);
  const droppedAttributesCount = r.varint();
  return { attributes, droppedAttributesCount, schemaUrl: r.string() };
}

export function writeScope(w: RowBinaryWriter, scope: InstrumentationScope): void {
  w.u8(FORMAT_V1);
  w.string(scope.name);
  w.string(scope.version);
  writeAttributes(w, scope.attributes);
  w.varint(scope.droppedAttributesCount);
  w.string(scope.schemaUrl);
}

export function readScope(r: RowBinaryReader): InstrumentationScope {
  checkFormat(r, 'scope');
  const name = r.string();
  const version = r.string();
  const attributes = readAttributes(r);
  const droppedAttributesCount = r.varint();
  return { name, version, attributes, droppedAttributesCount, schemaUrl: r.string() };
}

/** Little-endian bytes of a time column, so times are copied without making a BigInt. */
export function timeBytes(times: BigUint64Array): Uint8Array {
  return new Uint8Array(times.buffer, times.byteOffset, times.byteLength);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Span `i` of `batch` without its ids, resource and scope. `starts`/`ends` are timeBytes() of
 * the batch's time columns (made once per batch by the caller).
 */
export function writeSpanBody(w: RowBinaryWriter, batch: SpanBatch, i: number, starts = timeBytes(batch.startTimeUnixNano), ends = timeBytes(batch.endTimeUnixNano)): void {
  w.u8(FORMAT_V1);
  w.string(batch.traceState[i]);
  w.varint(batch.flags[i]);
  w.string(batch.name[i]);
  w.u8(batch.kind[i]);
  if (LITTLE_ENDIAN) {
    w.raw(starts, i * 8, 8);
    w.raw(ends, i * 8, 8);
  } else {
    w.u64(batch.startTimeUnixNano[i]);
    w.u64(batch.endTimeUnixNano[i]);
  }
  writeAttributes(w, batch.attributes[i]);
  w.varint(batch.droppedAttributesCount[i]);
  const events = batch.events[i];
  w.varint(events.length);
  for (const e of events) {
    w.u64(e.timeUnixNano);
    w.string(e.name);
    writeAttributes(w, e.attributes);
    w.varint(e.droppedAttributesCount);
  }
  w.varint(batch.droppedEventsCount[i]);
  const links = batch.links[i];
  w.varint(links.length);
  for (const l of links) {
    w.string(l.traceId);
    w.string(l.spanId);
    w.string(l.traceState);
    writeAttributes(w, l.attributes);
    w.varint(l.droppedAttributesCount);
    w.varint(l.flags >>> 0);
  }
  w.varint(batch.droppedLinksCount[i]);
  w.u8(batch.statusCode[i]);
  w.string(batch.statusMessage[i]);
}

/** A span from its stored body plus the columns that hold its ids, resource and scope. */
export function readSpan(
  r: RowBinaryReader,
  ids: { readonly traceId: string; readonly spanId: string; readonly parentSpanId: string },
  resource: Resource,
  scope: InstrumentationScope,
): Span {
  checkFormat(r, 'span');
  const { traceId, spanId, parentSpanId } = ids;
  const traceState = r.string();
  const flags = r.varint();
  const name = r.string();
  const kind = r.u8() as SpanKind;
  const startTimeUnixNano = r.u64();
  const endTimeUnixNano = r.u64();
  const attributes = readAttributes(r);
  const droppedAttributesCount = r.varint();
  const events = new Array<SpanEvent>(r.varint());
  for (let i = 0; i < events.length; i++) {
    const timeUnixNano = r.u64();
    const eventName = r.string();
    const eventAttributes = readAttributes(r);
    events[i] = { timeUnixNano, name: eventName, attributes: eventAttributes, droppedAttributesCount: r.varint() };
  }
  const droppedEventsCount = r.varint();
  const links = new Array<SpanLink>(r.varint());
  for (let i = 0; i < links.length; i++) {
    const linkTraceId = r.string();
    const linkSpanId = r.string();
    const linkTraceState = r.string();
    const linkAttributes = readAttributes(r);
    const linkDropped = r.varint();
    links[i] = { traceId: linkTraceId, spanId: linkSpanId, traceState: linkTraceState, attributes: linkAttributes, droppedAttributesCount: linkDropped, flags: r.varint() };
  }
  const droppedLinksCount = r.varint();
  const code = r.u8() as StatusCode;
  const message = r.string();
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status: { code, message },
    resource,
    scope,
  };
}

/** The parts of a log record that are not its ids, resource or scope. */
export type LogBody = Omit<LogRecord, 'traceId' | 'spanId' | 'resource' | 'scope'>;

export function writeLogBody(w: RowBinaryWriter, l: LogBody): void {
  w.u8(FORMAT_V1);
  w.u64(l.timeUnixNano);
  w.u64(l.observedTimeUnixNano);
  w.u8(l.severityNumber);
  w.string(l.severityText);
  writeValue(w, l.body);
  writeAttributes(w, l.attributes);
  w.varint(l.droppedAttributesCount);
  w.varint(l.flags >>> 0);
  w.string(l.eventName);
}

export function readLog(r: RowBinaryReader, traceId: string, spanId: string, resource: Resource, scope: InstrumentationScope): LogRecord {
  checkFormat(r, 'log record');
  const timeUnixNano = r.u64();
  const observedTimeUnixNano = r.u64();
  const severityNumber = r.u8();
  const severityText = r.string();
  const body = readValue(r);
  const attributes = readAttributes(r);
  const droppedAttributesCount = r.varint();
  const flags = r.varint();
  const eventName = r.string();
  return { timeUnixNano, observedTimeUnixNano, severityNumber, severityText, body, attributes, droppedAttributesCount, flags, traceId, spanId, eventName, resource, scope };
}
