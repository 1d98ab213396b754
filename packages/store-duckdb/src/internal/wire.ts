import type { InstrumentationScope, LogBatch, Resource, SpanBatch, SpanLink } from '@tracelight/core';
import { SPAN_ID_BYTES, serviceNameOf, TRACE_ID_BYTES } from '@tracelight/core';
import { logTimeOf } from '@tracelight/store';
import { attributesToTyped, textOf, toTyped, typeCodeOf } from './value-codec.js';

/**
 * What the main thread sends the writer worker for one writeSpans call. Structured clone of a
 * SpanBatch's nested attribute objects costs ~8 µs a span on the main thread; this is built
 * with bulk copies of the typed columns (transferred, not copied again) and one flat array of
 * attribute keys and values, so the main thread does little per span. The worker turns values
 * into their stored text forms.
 */
export interface SpanWire {
  readonly n: number;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly parentSpanId: Uint8Array;
  readonly start: BigUint64Array;
  readonly end: BigUint64Array;
  /** Per span, INTS_PER_SPAN: flags, kind, status, resource, scope, dropped attributes/events/links, attribute count, event count. */
  readonly ints: Uint32Array;
  readonly name: readonly string[];
  readonly traceState: readonly string[];
  readonly statusMessage: readonly string[];
  /** For each span, for each attribute: key, value. */
  readonly attrs: unknown[];
  /** For each span, for each event: time, name, dropped count, attribute count, then key, value pairs. */
  readonly events: unknown[];
  /** Spans with links: [span index, links]. */
  readonly links: [number, readonly SpanLink[]][];
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
}

export const INTS_PER_SPAN = 10;

export function encodeResource(resource: Resource): WireResource {
  return {
    serviceName: serviceNameOf(resource),
    enc: JSON.stringify([attributesToTyped(resource.attributes), resource.droppedAttributesCount, resource.schemaUrl]),
  };
}

export interface WireResource {
  readonly serviceName: string;
  /** Typed JSON of the resource. */
  readonly enc: string;
}

export function encodeScope(scope: InstrumentationScope): string {
  return JSON.stringify([scope.name, scope.version, attributesToTyped(scope.attributes), scope.droppedAttributesCount, scope.schemaUrl]);
}

export function encodeLinks(links: readonly SpanLink[]): string {
  if (links.length === 0) return '';
  return JSON.stringify(links.map((l) => [l.traceId, l.spanId, l.traceState, l.flags, l.droppedAttributesCount, attributesToTyped(l.attributes)]));
}

/** The transferable buffers of a SpanWire. */
export function spanWireBuffers(wire: SpanWire): ArrayBuffer[] {
  return [wire.traceId, wire.spanId, wire.parentSpanId, wire.start, wire.end, wire.ints].map((a) => a.buffer as ArrayBuffer);
}

export function encodeSpanBatch(batch: SpanBatch): SpanWire {
  const n = batch.length;
  const ints = new Uint32Array(n * INTS_PER_SPAN);
  const attrs: unknown[] = [];
  const events: unknown[] = [];
  const links: [number, readonly SpanLink[]][] = [];
  for (let i = 0; i < n; i++) {
    const k = i * INTS_PER_SPAN;
    const attributes = batch.attributes[i];
    const spanEvents = batch.events[i];
    ints[k] = batch.flags[i];
    ints[k + 1] = batch.kind[i];
    ints[k + 2] = batch.statusCode[i];
    ints[k + 3] = batch.resourceIndex[i];
    ints[k + 4] = batch.scopeIndex[i];
    ints[k + 5] = batch.droppedAttributesCount[i];
    ints[k + 6] = batch.droppedEventsCount[i];
    ints[k + 7] = batch.droppedLinksCount[i];
    ints[k + 8] = attributes.length;
    ints[k + 9] = spanEvents.length;
    for (const kv of attributes) attrs.push(kv.key, kv.value);
    for (const e of spanEvents) {
      events.push(e.timeUnixNano, e.name, e.droppedAttributesCount, e.attributes.length);
      for (const kv of e.attributes) events.push(kv.key, kv.value);
    }
    if (batch.links[i].length > 0) links.push([i, batch.links[i]]);
  }
  return {
    n,
    traceId: batch.traceId.slice(0, n * TRACE_ID_BYTES),
    spanId: batch.spanId.slice(0, n * SPAN_ID_BYTES),
    parentSpanId: batch.parentSpanId.slice(0, n * SPAN_ID_BYTES),
    start: batch.startTimeUnixNano.slice(0, n),
    end: batch.endTimeUnixNano.slice(0, n),
    ints,
    name: batch.name.length === n ? batch.name : batch.name.slice(0, n),
    traceState: batch.traceState.length === n ? batch.traceState : batch.traceState.slice(0, n),
    statusMessage: batch.statusMessage.length === n ? batch.statusMessage : batch.statusMessage.slice(0, n),
    attrs,
    events,
    links,
    resources: batch.resources,
    scopes: batch.scopes,
  };
}

/** One log record, flattened for the worker. */
export interface WireLog {
  readonly time: bigint;
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  /** Text form (searched). */
  readonly bodyText: string;
  /** Type code of the body, and for arrays and kvlists its typed JSON after the code. */
  readonly bodyType: string;
  readonly attributes: string;
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly resource: number;
  readonly scope: number;
}

export interface LogWire {
  readonly records: WireLog[];
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
}

export function encodeLogBatch(batch: LogBatch): LogWire {
  const records: WireLog[] = [];
  for (let i = 0; i < batch.length; i++) {
    const body = batch.body[i];
    const code = typeCodeOf(body);
    const tid = batch.traceId.subarray(i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES);
    const sid = batch.spanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES);
    records.push({
      time: logTimeOf({ timeUnixNano: batch.timeUnixNano[i], observedTimeUnixNano: batch.observedTimeUnixNano[i] }),
      timeUnixNano: batch.timeUnixNano[i],
      observedTimeUnixNano: batch.observedTimeUnixNano[i],
      severityNumber: batch.severityNumber[i],
      severityText: batch.severityText[i],
      bodyText: textOf(body),
      bodyType: code === 'a' || code === 'k' ? code + JSON.stringify(toTyped(body)) : code,
      attributes: JSON.stringify(attributesToTyped(batch.attributes[i])),
      droppedAttributesCount: batch.droppedAttributesCount[i],
      flags: batch.flags[i],
      traceId: hexOrEmpty(tid),
      spanId: hexOrEmpty(sid),
      eventName: batch.eventName[i],
      resource: batch.resourceIndex[i],
      scope: batch.scopeIndex[i],
    });
  }
  return { records, resources: batch.resources, scopes: batch.scopes };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOrEmpty(bytes: Uint8Array): string {
  let zero = true;
  let out = '';
  for (const b of bytes) {
    if (b !== 0) zero = false;
    out += HEX[b];
  }
  return zero ? '' : out;
}
