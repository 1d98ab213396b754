import type { LogBatch, Resource, InstrumentationScope, SpanBatch, SpanEvent, SpanLink } from '@tracelight/core';
import { SPAN_ID_BYTES, serviceNameOf, TRACE_ID_BYTES } from '@tracelight/core';
import { logTimeOf } from '@tracelight/store';
import { attributesToRun, attributesToTyped, escapeField, textOf, toTyped, typeCodeOf } from './value-codec.js';

/**
 * What the main thread sends the writer worker for one writeSpans call. Structured clone of a
 * SpanBatch's nested attribute objects costs ~8 µs a span on the main thread; flat typed arrays
 * (transferred, not copied) and a flat array of strings cost a fraction of that, and the values
 * arrive already in their stored text form.
 */
export interface SpanWire {
  readonly n: number;
  /** Per span: trace id (16 bytes), span id (8), parent span id (8). */
  readonly ids: Uint8Array;
  /** Per span: start, end. */
  readonly times: BigUint64Array;
  /** Per span, INTS_PER_SPAN: flags, kind, status, resource, scope, dropped attributes/events/links, attribute count. */
  readonly ints: Uint32Array;
  /**
   * Per span: name, trace state, status message, attribute type codes, events, links; then for
   * each attribute its key and text form.
   */
  readonly strs: string[];
  /** Typed JSON of array and kvlist attribute values, in order of appearance. */
  readonly complex: string[];
  readonly resources: readonly WireResource[];
  /** Typed JSON of each scope. */
  readonly scopes: readonly string[];
}

export interface WireResource {
  readonly serviceName: string;
  /** Typed JSON of the resource. */
  readonly enc: string;
}

export const INTS_PER_SPAN = 9;
export const IDS_PER_SPAN = TRACE_ID_BYTES + 2 * SPAN_ID_BYTES;

export function encodeResource(resource: Resource): WireResource {
  return {
    serviceName: serviceNameOf(resource),
    enc: JSON.stringify([attributesToTyped(resource.attributes), resource.droppedAttributesCount, resource.schemaUrl]),
  };
}

export function encodeScope(scope: InstrumentationScope): string {
  return JSON.stringify([scope.name, scope.version, attributesToTyped(scope.attributes), scope.droppedAttributesCount, scope.schemaUrl]);
}

/**
 * Events of a span as one string: per event `\x1c offset \x1d name \x1d dropped` followed by its
 * attributes as a searchable run; the offset is the event time minus the span start, in ns.
 */
export function encodeEvents(events: readonly SpanEvent[], start: bigint): string {
  let out = '';
  for (const e of events) out += `\x1c${e.timeUnixNano - start}\x1d${escapeField(e.name)}\x1d${e.droppedAttributesCount}${attributesToRun(e.attributes)}`;
  return out;
}

export function encodeLinks(links: readonly SpanLink[]): string {
  if (links.length === 0) return '';
  return JSON.stringify(links.map((l) => [l.traceId, l.spanId, l.traceState, l.flags, l.droppedAttributesCount, attributesToTyped(l.attributes)]));
}

export function encodeSpanBatch(batch: SpanBatch): SpanWire {
  const n = batch.length;
  const ids = new Uint8Array(n * IDS_PER_SPAN);
  const times = new BigUint64Array(2 * n);
  const ints = new Uint32Array(n * INTS_PER_SPAN);
  const strs: string[] = [];
  const complex: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.set(batch.traceId.subarray(i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES), i * IDS_PER_SPAN);
    ids.set(batch.spanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES), i * IDS_PER_SPAN + TRACE_ID_BYTES);
    ids.set(batch.parentSpanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES), i * IDS_PER_SPAN + TRACE_ID_BYTES + SPAN_ID_BYTES);
    const start = batch.startTimeUnixNano[i];
    times[2 * i] = start;
    times[2 * i + 1] = batch.endTimeUnixNano[i];
    const attributes = batch.attributes[i];
    const k = i * INTS_PER_SPAN;
    ints[k] = batch.flags[i];
    ints[k + 1] = batch.kind[i];
    ints[k + 2] = batch.statusCode[i];
    ints[k + 3] = batch.resourceIndex[i];
    ints[k + 4] = batch.scopeIndex[i];
    ints[k + 5] = batch.droppedAttributesCount[i];
    ints[k + 6] = batch.droppedEventsCount[i];
    ints[k + 7] = batch.droppedLinksCount[i];
    ints[k + 8] = attributes.length;
    let codes = '';
    for (const kv of attributes) {
      const code = typeCodeOf(kv.value);
      codes += code;
      if (code === 'a' || code === 'k') complex.push(JSON.stringify(toTyped(kv.value)));
    }
    const events = batch.events[i];
    strs.push(
      batch.name[i],
      batch.traceState[i],
      batch.statusMessage[i],
      codes,
      events.length === 0 ? '' : encodeEvents(events, start),
      encodeLinks(batch.links[i]),
    );
    for (const kv of attributes) strs.push(kv.key, textOf(kv.value));
  }
  return { n, ids, times, ints, strs, complex, resources: batch.resources.map(encodeResource), scopes: batch.scopes.map(encodeScope) };
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
  readonly resources: readonly WireResource[];
  readonly scopes: readonly string[];
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
  return { records, resources: batch.resources.map(encodeResource), scopes: batch.scopes.map(encodeScope) };
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
