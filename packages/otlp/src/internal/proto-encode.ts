import type { AnyValue, InstrumentationScope, KeyValue, LogBatch, Resource, SpanBatch, SpanEvent, SpanLink } from '@tracelight/core';
import { hexToBytes, isZero } from '@tracelight/core';
import { groupRows } from './grouping.js';
import { ProtoWriter } from './proto-writer.js';

const EMPTY = new Uint8Array(0);

/** A first buffer size from a per-row guess, capped: the writer grows when it needs more. */
function initialSize(rows: number, bytesPerRow: number): number {
  return Math.min(16 << 20, Math.max(1024, rows * bytesPerRow));
}

function bytesOf(column: BigUint64Array): Uint8Array {
  return new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
}

export function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  switch (typeof v) {
    case 'string':
      w.varint32(0x0a);
      w.string(v);
      return;
    case 'boolean':
      w.varint32(0x10);
      w.varint32(v ? 1 : 0);
      return;
    case 'bigint':
      w.varint32(0x18);
      w.varint64(v);
      return;
    case 'number':
      w.varint32(0x21);
      w.double(v);
      return;
    default:
      if (v === null) return;
      if (v instanceof Uint8Array) {
        w.varint32(0x3a);
        w.bytes(v);
      } else if (Array.isArray(v)) {
        w.varint32(0x2a);
        const at = w.begin();
        for (const item of v) {
          w.varint32(0x0a);
          const itemAt = w.begin();
          writeAnyValue(w, item);
          w.end(itemAt);
        }
        w.end(at);
      } else {
        w.varint32(0x32);
        const at = w.begin();
        writeKeyValues(w, 0x0a, v.kvlist);
        w.end(at);
      }
  }
}

/** Each KeyValue as its own field `tag` (a repeated KeyValue field). */
export function writeKeyValues(w: ProtoWriter, tag: number, attributes: readonly KeyValue[]): void {
  for (const kv of attributes) {
    w.varint32(tag);
    const at = w.begin();
    w.varint32(0x0a);
    w.string(kv.key);
    w.varint32(0x12);
    const valueAt = w.begin();
    writeAnyValue(w, kv.value);
    w.end(valueAt);
    w.end(at);
  }
}

function writeString(w: ProtoWriter, tag: number, s: string): void {
  if (s === '') return;
  w.varint32(tag);
  w.string(s);
}

function writeUint32(w: ProtoWriter, tag: number, v: number): void {
  if (v === 0) return;
  w.varint32(tag);
  w.varint32(v);
}

function writeFixed32(w: ProtoWriter, tag: number, v: number): void {
  if (v === 0) return;
  w.varint32(tag);
  w.fixed32(v);
}

/** Resource, as field 1 of ResourceSpans / ResourceLogs. */
function writeResource(w: ProtoWriter, resource: Resource): void {
  w.varint32(0x0a);
  const at = w.begin();
  writeKeyValues(w, 0x0a, resource.attributes);
  writeUint32(w, 0x10, resource.droppedAttributesCount);
  w.end(at);
}

/** InstrumentationScope, as field 1 of ScopeSpans / ScopeLogs. */
function writeScope(w: ProtoWriter, scope: InstrumentationScope): void {
  w.varint32(0x0a);
  const at = w.begin();
  writeString(w, 0x0a, scope.name);
  writeString(w, 0x12, scope.version);
  writeKeyValues(w, 0x1a, scope.attributes);
  writeUint32(w, 0x20, scope.droppedAttributesCount);
  w.end(at);
}

/**
 * The Resource{Spans,Logs} / Scope{Spans,Logs} skeleton shared by both signals; `writeRow`
 * writes one span / log record as field 2 of the scope message.
 */
function writeGrouped(
  w: ProtoWriter,
  batch: { length: number; resources: readonly Resource[]; scopes: readonly InstrumentationScope[]; resourceIndex: Uint32Array; scopeIndex: Uint32Array },
  writeRow: (w: ProtoWriter, row: number) => void,
): void {
  for (const group of groupRows(batch.length, batch.resourceIndex, batch.scopeIndex)) {
    const resource = batch.resources[group.resource];
    w.varint32(0x0a);
    const resourceAt = w.begin();
    writeResource(w, resource);
    for (const scopeGroup of group.scopes) {
      const scope = batch.scopes[scopeGroup.scope];
      w.varint32(0x12);
      const scopeAt = w.begin();
      writeScope(w, scope);
      for (const row of scopeGroup.rows) {
        w.varint32(0x12);
        const rowAt = w.begin();
        writeRow(w, row);
        w.end(rowAt);
      }
      writeString(w, 0x1a, scope.schemaUrl);
      w.end(scopeAt);
    }
    writeString(w, 0x1a, resource.schemaUrl);
    w.end(resourceAt);
  }
}

/** ExportTraceServiceRequest. */
export function encodeTraceProto(batch: SpanBatch): Uint8Array {
  const w = new ProtoWriter(initialSize(batch.length, 512));
  const start = bytesOf(batch.startTimeUnixNano);
  const end = bytesOf(batch.endTimeUnixNano);
  writeGrouped(w, batch, (w, i) => {
    w.varint32(0x0a);
    w.bytes(batch.traceId, i * 16, 16);
    w.varint32(0x12);
    w.bytes(batch.spanId, i * 8, 8);
    writeString(w, 0x1a, batch.traceState[i]);
    if (!isZero(batch.parentSpanId, i * 8, 8)) {
      w.varint32(0x22);
      w.bytes(batch.parentSpanId, i * 8, 8);
    }
    writeString(w, 0x2a, batch.name[i]);
    writeUint32(w, 0x30, batch.kind[i]);
    if (batch.startTimeUnixNano[i] !== 0n) {
      w.varint32(0x39);
      w.fixed64Bytes(start, i * 8);
    }
    if (batch.endTimeUnixNano[i] !== 0n) {
      w.varint32(0x41);
      w.fixed64Bytes(end, i * 8);
    }
    writeKeyValues(w, 0x4a, batch.attributes[i]);
    writeUint32(w, 0x50, batch.droppedAttributesCount[i]);
    for (const event of batch.events[i]) writeEvent(w, event);
    writeUint32(w, 0x60, batch.droppedEventsCount[i]);
    for (const link of batch.links[i]) writeLink(w, link);
    writeUint32(w, 0x70, batch.droppedLinksCount[i]);
    if (batch.statusCode[i] !== 0 || batch.statusMessage[i] !== '') {
      w.varint32(0x7a);
      const at = w.begin();
      writeString(w, 0x12, batch.statusMessage[i]);
      writeUint32(w, 0x18, batch.statusCode[i]);
      w.end(at);
    }
    writeFixed32(w, 0x85, batch.flags[i]);
  });
  return w.finish();
}

function writeEvent(w: ProtoWriter, event: SpanEvent): void {
  w.varint32(0x5a);
  const at = w.begin();
  if (event.timeUnixNano !== 0n) {
    w.varint32(0x09);
    w.fixed64(event.timeUnixNano);
  }
  writeString(w, 0x12, event.name);
  writeKeyValues(w, 0x1a, event.attributes);
  writeUint32(w, 0x20, event.droppedAttributesCount);
  w.end(at);
}

function writeLink(w: ProtoWriter, link: SpanLink): void {
  w.varint32(0x6a);
  const at = w.begin();
  w.varint32(0x0a);
  w.bytes(hexToBytes(link.traceId) ?? EMPTY);
  w.varint32(0x12);
  w.bytes(hexToBytes(link.spanId) ?? EMPTY);
  writeString(w, 0x1a, link.traceState);
  writeKeyValues(w, 0x22, link.attributes);
  writeUint32(w, 0x28, link.droppedAttributesCount);
  writeFixed32(w, 0x35, link.flags);
  w.end(at);
}

/** ExportLogsServiceRequest. */
export function encodeLogsProto(batch: LogBatch): Uint8Array {
  const w = new ProtoWriter(initialSize(batch.length, 256));
  const time = bytesOf(batch.timeUnixNano);
  const observed = bytesOf(batch.observedTimeUnixNano);
  writeGrouped(w, batch, (w, i) => {
    if (batch.timeUnixNano[i] !== 0n) {
      w.varint32(0x09);
      w.fixed64Bytes(time, i * 8);
    }
    writeUint32(w, 0x10, batch.severityNumber[i]);
    writeString(w, 0x1a, batch.severityText[i]);
    const body = batch.body[i];
    if (body !== null) {
      w.varint32(0x2a);
      const at = w.begin();
      writeAnyValue(w, body);
      w.end(at);
    }
    writeKeyValues(w, 0x32, batch.attributes[i]);
    writeUint32(w, 0x38, batch.droppedAttributesCount[i]);
    writeFixed32(w, 0x45, batch.flags[i]);
    if (!isZero(batch.traceId, i * 16, 16)) {
      w.varint32(0x4a);
      w.bytes(batch.traceId, i * 16, 16);
    }
    if (!isZero(batch.spanId, i * 8, 8)) {
      w.varint32(0x52);
      w.bytes(batch.spanId, i * 8, 8);
    }
    if (batch.observedTimeUnixNano[i] !== 0n) {
      w.varint32(0x59);
      w.fixed64Bytes(observed, i * 8);
    }
    writeString(w, 0x62, batch.eventName[i]);
  });
  return w.finish();
}

/** Export{Trace,Logs}ServiceResponse { partial_success = 1 { rejected = 1 (int64); error_message = 2 } }. */
export function encodeResponseProto(rejected: number, errorMessage: string): Uint8Array {
  const w = new ProtoWriter(64 + errorMessage.length * 3);
  if (rejected > 0 || errorMessage !== '') {
    w.varint32(0x0a);
    const at = w.begin();
    if (rejected !== 0) {
      w.varint32(0x08);
      w.varint64(BigInt(rejected));
    }
    writeString(w, 0x12, errorMessage);
    w.end(at);
  }
  return w.finish();
}

/** google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3 (empty) }. */
export function encodeStatusProto(code: number, message: string): Uint8Array {
  const w = new ProtoWriter(32 + message.length * 3);
  if (code !== 0) {
    w.varint32(0x08);
    w.varint64(BigInt(code)); // int32: negative values are sign-extended to 10 bytes
  }
  writeString(w, 0x12, message);
  return w.finish();
}
