import type { InstrumentationScope, LogBatch, Resource, SpanBatch, SpanEvent, SpanLink } from '@tracelight/core';
import { bytesToHex, EMPTY_RESOURCE, EMPTY_SCOPE, isZero, LogBatchBuilder, SpanBatchBuilder } from '@tracelight/core';
import type { DecodeResult } from '../format.js';
import { NONE } from './proto-decode-common.js';
import type { JsonObject } from './json-values.js';
import {
  field,
  jAnyValue,
  jArray,
  jEnum,
  jFixed64,
  jHexId,
  jKeyValues,
  jObject,
  jString,
  jUint32,
  parseAndWalk,
  shapeError,
} from './json-values.js';
import { logProblem, Rejections, spanProblem } from './rejections.js';

const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Readonly<Record<string, number>> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
for (const [k, level] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  for (let n = 1; n <= 4; n++) SEVERITY_NAMES[`SEVERITY_NUMBER_${level}${n === 1 ? '' : n}`] = 4 * k + n;
}

function requestRoot(root: unknown, what: string): JsonObject {
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw shapeError(`${what} must be a JSON object`);
  return root as JsonObject;
}

function jResource(v: unknown, schemaUrl: string): Resource {
  const o = jObject(v, 'Resource');
  if (o === undefined) return schemaUrl === '' ? EMPTY_RESOURCE : { ...EMPTY_RESOURCE, schemaUrl };
  return {
    attributes: jKeyValues(o.attributes, 'Resource.attributes'),
    droppedAttributesCount: jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Resource.droppedAttributesCount'),
    schemaUrl,
  };
}

function jScope(v: unknown, schemaUrl: string): InstrumentationScope {
  const o = jObject(v, 'InstrumentationScope');
  if (o === undefined) return schemaUrl === '' ? EMPTY_SCOPE : { ...EMPTY_SCOPE, schemaUrl };
  return {
    name: jString(o.name, 'InstrumentationScope.name'),
    version: jString(o.version, 'InstrumentationScope.version'),
    attributes: jKeyValues(o.attributes, 'InstrumentationScope.attributes'),
    droppedAttributesCount: jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'InstrumentationScope.droppedAttributesCount'),
    schemaUrl,
  };
}

/** [lowerCamelCase, proto name] of the repeated fields on the way from the request to its items. */
interface RequestKeys {
  resources: [string, string];
  scopes: [string, string];
  items: [string, string];
}

/**
 * Walks Resource{Spans,Logs} → Scope{Spans,Logs} → items, adding each resource and scope once
 * (and only when one of its items was kept).
 */
function walkRequest(
  root: JsonObject,
  keys: RequestKeys,
  b: { length: number; resources: Resource[]; scopes: InstrumentationScope[]; addResource(r: Resource): number; addScope(s: InstrumentationScope): number },
  readItem: (item: JsonObject, resourceIndex: number, scopeIndex: number) => void,
): void {
  for (const rv of jArray(field(root, ...keys.resources), keys.resources[0])) {
    const ro = jObject(rv, keys.resources[0]) ?? {};
    const resourceIndex = b.addResource(jResource(ro.resource, jString(field(ro, 'schemaUrl', 'schema_url'), 'schemaUrl')));
    const scopesBefore = b.scopes.length;
    const before = b.length;
    for (const sv of jArray(field(ro, ...keys.scopes), keys.scopes[0])) {
      const so = jObject(sv, keys.scopes[0]) ?? {};
      const scopeIndex = b.addScope(jScope(so.scope, jString(field(so, 'schemaUrl', 'schema_url'), 'schemaUrl')));
      const scopeBefore = b.length;
      for (const item of jArray(field(so, ...keys.items), keys.items[0])) readItem(jObject(item, keys.items[0]) ?? {}, resourceIndex, scopeIndex);
      if (b.length === scopeBefore) b.scopes.pop();
    }
    if (b.length === before) {
      b.resources.pop();
      b.scopes.length = scopesBefore;
    }
  }
}

/** ExportTraceServiceRequest in OTLP/JSON → SpanBatch; invalid spans left out and counted. */
export function decodeTraceJson(body: Uint8Array): DecodeResult<SpanBatch> {
  return parseAndWalk(body, walkTraceRequest);
}

function walkTraceRequest(json: unknown): DecodeResult<SpanBatch> {
  const root = requestRoot(json, 'ExportTraceServiceRequest');
  const b = new SpanBatchBuilder();
  const rejections = new Rejections();
  const keys = { resources: ['resourceSpans', 'resource_spans'], scopes: ['scopeSpans', 'scope_spans'], items: ['spans', 'spans'] } satisfies RequestKeys;
  walkRequest(root, keys, b, (o, resourceIndex, scopeIndex) => {
    const i = b.addSpan(resourceIndex, scopeIndex);
    const traceIdLen = jHexId(field(o, 'traceId', 'trace_id'), b.traceId, i * 16, 16, 'Span.traceId');
    const spanIdLen = jHexId(field(o, 'spanId', 'span_id'), b.spanId, i * 8, 8, 'Span.spanId');
    const parentLen = jHexId(field(o, 'parentSpanId', 'parent_span_id'), b.parentSpanId, i * 8, 8, 'Span.parentSpanId');
    const problem = spanProblem(b.traceId, b.spanId, i, traceIdLen, spanIdLen, parentLen);
    if (problem !== undefined) {
      b.discardLast();
      rejections.add(problem);
      return;
    }
    b.traceState[i] = jString(field(o, 'traceState', 'trace_state'), 'Span.traceState');
    b.flags[i] = jUint32(o.flags, 'Span.flags');
    b.name[i] = jString(o.name, 'Span.name');
    b.kind[i] = jEnum(o.kind, SPAN_KIND_NAMES, 'Span.kind');
    b.startTimeUnixNano[i] = jFixed64(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'Span.startTimeUnixNano');
    b.endTimeUnixNano[i] = jFixed64(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'Span.endTimeUnixNano');
    const attributes = jKeyValues(o.attributes, 'Span.attributes');
    if (attributes.length > 0) b.attributes[i] = attributes;
    b.droppedAttributesCount[i] = jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Span.droppedAttributesCount');
    const events = jArray(o.events, 'Span.events');
    if (events.length > 0) b.events[i] = events.map(jEvent);
    b.droppedEventsCount[i] = jUint32(field(o, 'droppedEventsCount', 'dropped_events_count'), 'Span.droppedEventsCount');
    let droppedLinks = jUint32(field(o, 'droppedLinksCount', 'dropped_links_count'), 'Span.droppedLinksCount');
    const links: SpanLink[] = [];
    for (const lv of jArray(o.links, 'Span.links')) {
      const link = jLink(lv);
      if (link === null) droppedLinks++;
      else links.push(link);
    }
    if (links.length > 0) b.links[i] = links;
    b.droppedLinksCount[i] = droppedLinks;
    const status = jObject(o.status, 'Span.status');
    if (status !== undefined) {
      b.statusCode[i] = jEnum(status.code, STATUS_CODE_NAMES, 'Status.code');
      b.statusMessage[i] = jString(status.message, 'Status.message');
    }
  });
  return { batch: b.finish(), rejected: rejections.count, errorMessage: rejections.message('span', 'spans') };
}

function jEvent(v: unknown): SpanEvent {
  const o = jObject(v, 'Span.Event') ?? {};
  const attributes = jKeyValues(o.attributes, 'Event.attributes');
  return {
    timeUnixNano: jFixed64(field(o, 'timeUnixNano', 'time_unix_nano'), 'Event.timeUnixNano'),
    name: jString(o.name, 'Event.name'),
    attributes: attributes.length > 0 ? attributes : NONE,
    droppedAttributesCount: jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Event.droppedAttributesCount'),
  };
}

const linkIds = new Uint8Array(24);

/** A link, or null when its ids are invalid (the caller counts it as dropped). */
function jLink(v: unknown): SpanLink | null {
  const o = jObject(v, 'Span.Link') ?? {};
  const traceIdLen = jHexId(field(o, 'traceId', 'trace_id'), linkIds, 0, 16, 'Link.traceId');
  const spanIdLen = jHexId(field(o, 'spanId', 'span_id'), linkIds, 16, 8, 'Link.spanId');
  if (traceIdLen !== 16 || spanIdLen !== 8 || isZero(linkIds, 0, 16) || isZero(linkIds, 16, 8)) return null;
  const attributes = jKeyValues(o.attributes, 'Link.attributes');
  return {
    traceId: bytesToHex(linkIds, 0, 16),
    spanId: bytesToHex(linkIds, 16, 8),
    traceState: jString(field(o, 'traceState', 'trace_state'), 'Link.traceState'),
    attributes: attributes.length > 0 ? attributes : NONE,
    droppedAttributesCount: jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'Link.droppedAttributesCount'),
    flags: jUint32(o.flags, 'Link.flags'),
  };
}

/** ExportLogsServiceRequest in OTLP/JSON → LogBatch; invalid records left out and counted. */
export function decodeLogsJson(body: Uint8Array): DecodeResult<LogBatch> {
  return parseAndWalk(body, walkLogsRequest);
}

function walkLogsRequest(json: unknown): DecodeResult<LogBatch> {
  const root = requestRoot(json, 'ExportLogsServiceRequest');
  const b = new LogBatchBuilder();
  const rejections = new Rejections();
  walkRequest(
    root,
    { resources: ['resourceLogs', 'resource_logs'], scopes: ['scopeLogs', 'scope_logs'], items: ['logRecords', 'log_records'] },
    b,
    (o, resourceIndex, scopeIndex) => {
      const i = b.addRecord(resourceIndex, scopeIndex);
      const traceIdLen = jHexId(field(o, 'traceId', 'trace_id'), b.traceId, i * 16, 16, 'LogRecord.traceId');
      const spanIdLen = jHexId(field(o, 'spanId', 'span_id'), b.spanId, i * 8, 8, 'LogRecord.spanId');
      const problem = logProblem(traceIdLen, spanIdLen);
      if (problem !== undefined) {
        b.discardLast();
        rejections.add(problem);
        return;
      }
      b.timeUnixNano[i] = jFixed64(field(o, 'timeUnixNano', 'time_unix_nano'), 'LogRecord.timeUnixNano');
      b.observedTimeUnixNano[i] = jFixed64(field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'LogRecord.observedTimeUnixNano');
      b.severityNumber[i] = jEnum(field(o, 'severityNumber', 'severity_number'), SEVERITY_NAMES, 'LogRecord.severityNumber');
      b.severityText[i] = jString(field(o, 'severityText', 'severity_text'), 'LogRecord.severityText');
      b.body[i] = jAnyValue(o.body, 0);
      const attributes = jKeyValues(o.attributes, 'LogRecord.attributes');
      if (attributes.length > 0) b.attributes[i] = attributes;
      b.droppedAttributesCount[i] = jUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), 'LogRecord.droppedAttributesCount');
      b.flags[i] = jUint32(o.flags, 'LogRecord.flags');
      b.eventName[i] = jString(field(o, 'eventName', 'event_name'), 'LogRecord.eventName');
    },
  );
  return { batch: b.finish(), rejected: rejections.count, errorMessage: rejections.message('log record', 'log records') };
}
