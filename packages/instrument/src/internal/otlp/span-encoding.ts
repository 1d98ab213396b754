import type { Attributes, AttributeValue, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { ProtoWriter, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-writer.js';

/**
 * OTLP protobuf encoding of SDK spans (opentelemetry/proto/trace/v1/trace.proto), written by
 * hand for the kit's export path: each span is encoded once, when it ends, straight into the
 * batch's buffer; a resource and an instrumentation scope are encoded once per process. Field
 * numbers are the proto's; fields at their default value are left out, as proto3 does.
 */

type Scope = ReadableSpan['instrumentationScope'];
type AnyAttributeValue = AttributeValue | Uint8Array | null | undefined | Record<string, unknown>;

// Span.flags: W3C trace flags in the low byte, then whether the parent is remote (bit 9) and
// that bit 9 is known (bit 8).
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function flagsOf(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/** An AnyValue message body. */
function writeAnyValue(w: ProtoWriter, value: AnyAttributeValue): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, WIRE_LEN);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, WIRE_VARINT);
      w.varint32(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
        w.tag(3, WIRE_VARINT);
        w.int64(value);
      } else {
        w.tag(4, WIRE_I64);
        w.double(value);
      }
      return;
    case 'object': {
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.tag(7, WIRE_LEN);
        w.bytes(value);
        return;
      }
      if (Array.isArray(value)) {
        w.tag(5, WIRE_LEN);
        const list = w.begin();
        for (const item of value as AnyAttributeValue[]) {
          w.tag(1, WIRE_LEN);
          const m = w.begin();
          writeAnyValue(w, item);
          w.end(m);
        }
        w.end(list);
        return;
      }
      w.tag(6, WIRE_LEN);
      const kvlist = w.begin();
      writeAttributes(w, 1, value as Attributes);
      w.end(kvlist);
      return;
    }
    default:
    // undefined, functions, symbols: an empty AnyValue
  }
}

/** Each own attribute as a KeyValue in field `field`. */
export function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes | undefined): void {
  if (attributes === undefined) return;
  const keys = Object.keys(attributes);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = attributes[key];
    if ((typeof value === 'string' || typeof value === 'number') && w.shortKeyValue(field, key, value)) continue;
    w.tag(field, WIRE_LEN);
    const kv = w.begin();
    w.tag(1, WIRE_LEN);
    w.string(key);
    w.tag(2, WIRE_LEN);
    const v = w.begin();
    writeAnyValue(w, value as AnyAttributeValue);
    w.end(v);
    w.end(kv);
  }
}

function writeCount(w: ProtoWriter, field: number, n: number | undefined): void {
  if (!n) return;
  w.tag(field, WIRE_VARINT);
  w.varint32(n);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  w.tag(1, WIRE_I64);
  w.hrTime(event.time);
  w.tag(2, WIRE_LEN);
  w.string(event.name);
  writeAttributes(w, 3, event.attributes);
  writeCount(w, 4, event.droppedAttributesCount);
}

/** Fields 1-3 of a Span and of a Link alike: trace id, span id, trace state (when set). */
function writeIdsAndState(w: ProtoWriter, sc: SpanContext): void {
  w.tag(1, WIRE_LEN);
  w.hexBytes(sc.traceId);
  w.tag(2, WIRE_LEN);
  w.hexBytes(sc.spanId);
  const state = sc.traceState?.serialize();
  if (state) {
    w.tag(3, WIRE_LEN);
    w.string(state);
  }
}

function writeLink(w: ProtoWriter, link: Link & { droppedAttributesCount?: number }): void {
  const sc = link.context;
  writeIdsAndState(w, sc);
  writeAttributes(w, 4, link.attributes);
  writeCount(w, 5, link.droppedAttributesCount);
  w.tag(6, WIRE_I32);
  w.fixed32(flagsOf(sc.traceFlags, sc.isRemote));
}

/** A Span message body. */
export function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const sc = span.spanContext();
  writeIdsAndState(w, sc);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, WIRE_LEN);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, WIRE_LEN);
  w.string(span.name);
  // OTLP kinds are the API's plus one (0 is "unspecified").
  w.tag(6, WIRE_VARINT);
  w.varint32(span.kind + 1);
  w.tag(7, WIRE_I64);
  w.hrTime(span.startTime as HrTime);
  w.tag(8, WIRE_I64);
  w.hrTime(span.endTime as HrTime);
  writeAttributes(w, 9, span.attributes);
  writeCount(w, 10, span.droppedAttributesCount);
  for (const event of span.events) {
    w.tag(11, WIRE_LEN);
    const m = w.begin();
    writeEvent(w, event);
    w.end(m);
  }
  writeCount(w, 12, span.droppedEventsCount);
  for (const link of span.links) {
    w.tag(13, WIRE_LEN);
    const m = w.begin();
    writeLink(w, link);
    w.end(m);
  }
  writeCount(w, 14, span.droppedLinksCount);
  const status = span.status;
  if (status.code !== 0 || status.message) {
    w.tag(15, WIRE_LEN);
    const m = w.begin();
    if (status.message) {
      w.tag(2, WIRE_LEN);
      w.string(status.message);
    }
    if (status.code !== 0) {
      w.tag(3, WIRE_VARINT);
      w.varint32(status.code);
    }
    w.end(m);
  }
  w.tag(16, WIRE_I32);
  w.fixed32(flagsOf(sc.traceFlags, parent?.isRemote));
}

/** A Resource message body. */
export function encodeResource(resource: Resource): Uint8Array {
  const w = new ProtoWriter(1024);
  writeAttributes(w, 1, resource.attributes);
  return Uint8Array.from(w.view());
}

/** An InstrumentationScope message body. */
export function encodeScope(scope: Scope): Uint8Array {
  const w = new ProtoWriter(256);
  w.tag(1, WIRE_LEN);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, WIRE_LEN);
    w.string(scope.version);
  }
  return Uint8Array.from(w.view());
}

/** Encoded spans of one resource and scope, in the order they ended. */
export interface ScopeBatch {
  resource: Resource;
  scope: Scope;
  /** Repeated `ScopeSpans.spans` fields (tag, length, Span) back to back. */
  spans: ProtoWriter;
}

/**
 * An ExportTraceServiceRequest from batches of encoded spans; resource and scope bodies come
 * from `encoded` (memoised by the caller).
 */
export function encodeRequest(
  batches: Iterable<ScopeBatch>,
  encoded: { resource(r: Resource): Uint8Array; scope(s: Scope): Uint8Array },
): Buffer {
  const byResource = new Map<Resource, ScopeBatch[]>();
  let size = 64;
  for (const b of batches) {
    if (b.spans.pos === 0) continue;
    const list = byResource.get(b.resource);
    if (list) list.push(b);
    else byResource.set(b.resource, [b]);
    size += b.spans.pos + 256;
  }
  const w = new ProtoWriter(size);
  for (const [resource, list] of byResource) {
    w.tag(1, WIRE_LEN); // ExportTraceServiceRequest.resource_spans
    const rs = w.begin();
    w.tag(1, WIRE_LEN); // ResourceSpans.resource
    w.bytes(encoded.resource(resource));
    for (const b of list) {
      w.tag(2, WIRE_LEN); // ResourceSpans.scope_spans
      const ss = w.begin();
      w.tag(1, WIRE_LEN); // ScopeSpans.scope
      w.bytes(encoded.scope(b.scope));
      w.raw(b.spans.view());
      if (b.scope.schemaUrl) {
        w.tag(3, WIRE_LEN);
        w.string(b.scope.schemaUrl);
      }
      w.end(ss);
    }
    if (resource.schemaUrl) {
      w.tag(3, WIRE_LEN);
      w.string(resource.schemaUrl);
    }
    w.end(rs);
  }
  return Buffer.from(w.view());
}

/** Appends `span` to a scope batch as a `ScopeSpans.spans` field. */
export function appendSpan(spans: ProtoWriter, span: ReadableSpan): void {
  spans.tag(2, WIRE_LEN);
  const m = spans.begin();
  writeSpan(spans, span);
  spans.end(m);
}
