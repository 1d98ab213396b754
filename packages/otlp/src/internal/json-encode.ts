import type { AnyValue, InstrumentationScope, KeyValue, LogBatch, Resource, SpanBatch, SpanEvent, SpanLink } from '@tracelight/core';
import { bytesToBase64, bytesToHex, isZero } from '@tracelight/core';
import { groupRows } from './grouping.js';

type Json = Record<string, unknown>;

/**
 * OTLP/JSON values follow the protobuf JSON mapping as the OTLP spec narrows it: ids as
 * lower-case hex, 64-bit integers as decimal strings, enums as numbers, bytes as base64, and
 * fields holding their default value left out (a oneof AnyValue member is always written).
 */
export function anyValueJson(v: AnyValue): Json {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'bigint':
      return { intValue: v.toString() };
    case 'number':
      return { doubleValue: Number.isFinite(v) ? v : String(v) };
    default:
      if (v === null) return {};
      if (v instanceof Uint8Array) return { bytesValue: bytesToBase64(v) };
      if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValueJson) } };
      return { kvlistValue: { values: keyValuesJson(v.kvlist) } };
  }
}

export function keyValuesJson(attributes: readonly KeyValue[]): Json[] {
  return attributes.map((kv) => ({ key: kv.key, value: anyValueJson(kv.value) }));
}

/** Sets `o[key] = v` unless v is a default (0, '', 0n, empty list). */
function put(o: Json, key: string, v: unknown): void {
  if (v === 0 || v === '' || v === 0n || v === undefined || (Array.isArray(v) && v.length === 0)) return;
  o[key] = v;
}

function resourceJson(resource: Resource): Json {
  const o: Json = {};
  put(o, 'attributes', keyValuesJson(resource.attributes));
  put(o, 'droppedAttributesCount', resource.droppedAttributesCount);
  return o;
}

function scopeJson(scope: InstrumentationScope): Json {
  const o: Json = {};
  put(o, 'name', scope.name);
  put(o, 'version', scope.version);
  put(o, 'attributes', keyValuesJson(scope.attributes));
  put(o, 'droppedAttributesCount', scope.droppedAttributesCount);
  return o;
}

function grouped(
  batch: { length: number; resources: readonly Resource[]; scopes: readonly InstrumentationScope[]; resourceIndex: Uint32Array; scopeIndex: Uint32Array },
  scopesKey: string,
  itemsKey: string,
  item: (row: number) => Json,
): Json[] {
  return groupRows(batch.length, batch.resourceIndex, batch.scopeIndex).map((group) => {
    const resource = batch.resources[group.resource];
    const out: Json = {
      resource: resourceJson(resource),
      [scopesKey]: group.scopes.map((scopeGroup) => {
        const scope = batch.scopes[scopeGroup.scope];
        const s: Json = { scope: scopeJson(scope), [itemsKey]: scopeGroup.rows.map(item) };
        put(s, 'schemaUrl', scope.schemaUrl);
        return s;
      }),
    };
    put(out, 'schemaUrl', resource.schemaUrl);
    return out;
  });
}

function eventJson(event: SpanEvent): Json {
  const o: Json = {};
  put(o, 'timeUnixNano', time(event.timeUnixNano));
  put(o, 'name', event.name);
  put(o, 'attributes', keyValuesJson(event.attributes));
  put(o, 'droppedAttributesCount', event.droppedAttributesCount);
  return o;
}

function linkJson(link: SpanLink): Json {
  const o: Json = { traceId: link.traceId, spanId: link.spanId };
  put(o, 'traceState', link.traceState);
  put(o, 'attributes', keyValuesJson(link.attributes));
  put(o, 'droppedAttributesCount', link.droppedAttributesCount);
  put(o, 'flags', link.flags);
  return o;
}

function time(v: bigint): string {
  return v === 0n ? '' : v.toString();
}

/** The ExportTraceServiceRequest of a batch in OTLP/JSON, as an object (JSON.stringify-ready). */
export function traceBatchToOtlpJson(batch: SpanBatch): { resourceSpans: Json[] } {
  return {
    resourceSpans: grouped(batch, 'scopeSpans', 'spans', (i) => {
      const o: Json = { traceId: bytesToHex(batch.traceId, i * 16, 16), spanId: bytesToHex(batch.spanId, i * 8, 8) };
      put(o, 'traceState', batch.traceState[i]);
      if (!isZero(batch.parentSpanId, i * 8, 8)) o.parentSpanId = bytesToHex(batch.parentSpanId, i * 8, 8);
      put(o, 'flags', batch.flags[i]);
      put(o, 'name', batch.name[i]);
      put(o, 'kind', batch.kind[i]);
      put(o, 'startTimeUnixNano', time(batch.startTimeUnixNano[i]));
      put(o, 'endTimeUnixNano', time(batch.endTimeUnixNano[i]));
      put(o, 'attributes', keyValuesJson(batch.attributes[i]));
      put(o, 'droppedAttributesCount', batch.droppedAttributesCount[i]);
      put(o, 'events', batch.events[i].map(eventJson));
      put(o, 'droppedEventsCount', batch.droppedEventsCount[i]);
      put(o, 'links', batch.links[i].map(linkJson));
      put(o, 'droppedLinksCount', batch.droppedLinksCount[i]);
      const status: Json = {};
      put(status, 'message', batch.statusMessage[i]);
      put(status, 'code', batch.statusCode[i]);
      if (Object.keys(status).length > 0) o.status = status;
      return o;
    }),
  };
}

/** The ExportLogsServiceRequest of a batch in OTLP/JSON, as an object (JSON.stringify-ready). */
export function logBatchToOtlpJson(batch: LogBatch): { resourceLogs: Json[] } {
  return {
    resourceLogs: grouped(batch, 'scopeLogs', 'logRecords', (i) => {
      const o: Json = {};
      put(o, 'timeUnixNano', time(batch.timeUnixNano[i]));
      put(o, 'observedTimeUnixNano', time(batch.observedTimeUnixNano[i]));
      put(o, 'severityNumber', batch.severityNumber[i]);
      put(o, 'severityText', batch.severityText[i]);
      if (batch.body[i] !== null) o.body = anyValueJson(batch.body[i]);
      put(o, 'attributes', keyValuesJson(batch.attributes[i]));
      put(o, 'droppedAttributesCount', batch.droppedAttributesCount[i]);
      put(o, 'flags', batch.flags[i]);
      if (!isZero(batch.traceId, i * 16, 16)) o.traceId = bytesToHex(batch.traceId, i * 16, 16);
      if (!isZero(batch.spanId, i * 8, 8)) o.spanId = bytesToHex(batch.spanId, i * 8, 8);
      put(o, 'eventName', batch.eventName[i]);
      return o;
    }),
  };
}
