import type { AnyValue, InstrumentationScope, KeyValue, Resource, Span, SpanEvent, SpanLink, SpanStatus } from '@tracelight/core';
import { base64ToBytes, EMPTY_SCOPE, isValidSpanIdHex, isValidTraceIdHex, SERVICE_NAME, SpanKind, StatusCode } from '@tracelight/core';
import { badRequest } from '../http.js';
import { parseKind } from '../span-kind.js';

/**
 * Jaeger JSON (what Jaeger's UI downloads: `{data: [trace…]}`, a bare trace, or an array of
 * traces) back into OTLP-shaped spans: the inverse of to-jaeger.ts. Tags that Jaeger derives
 * from OTLP fields (`span.kind`, `otel.status_code`, `error`, `otel.status_description`,
 * `otel.scope.*` / `otel.library.*`, `w3c.tracestate`) become those fields again; references
 * other than the parent become links. 64-bit trace ids are left-padded to 128 bits.
 * @throws a 400 TracelightError naming the first thing that is not Jaeger JSON.
 */
export function spansFromJaegerJson(root: unknown): Span[] {
  const traces = traceList(root);
  const spans: Span[] = [];
  traces.forEach((trace, t) => {
    const where = `traces[${t}]`;
    const o = object(trace, where);
    const processes = o.processes === undefined || o.processes === null ? {} : object(o.processes, `${where}.processes`);
    const resources = new Map<string, Resource>();
    const resourceOf = (id: string, inline: unknown, at: string): Resource => {
      const key = inline === undefined ? id : `inline:${JSON.stringify(inline)}`;
      let r = resources.get(key);
      if (!r) {
        const p = inline ?? processes[id];
        if (p === undefined) throw badRequest(`${at}: processID '${id}' is not in the trace's processes`);
        resources.set(key, (r = processToResource(p, at)));
      }
      return r;
    };
    const scopes = new Map<string, InstrumentationScope>();
    array(o.spans, `${where}.spans`).forEach((s, i) => spans.push(toSpan(s, `${where}.spans[${i}]`, resourceOf, scopes)));
  });
  return spans;
}

function traceList(root: unknown): unknown[] {
  if (Array.isArray(root)) return root;
  if (typeof root === 'object' && root !== null) {
    const o = root as Record<string, unknown>;
    if (Array.isArray(o.data)) return o.data;
    if (Array.isArray(o.spans)) return [o];
  }
  throw badRequest('not Jaeger JSON: expected {"data": [trace, …]}, a trace {"traceID", "spans", "processes"}, or an array of traces');
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function array(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest(`${where} must be an array`);
  return v;
}

function string(v: unknown, where: string): string {
  if (typeof v !== 'string') throw badRequest(`${where} must be a string`);
  return v;
}

function micros(v: unknown, where: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v) * 1000n;
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) return BigInt(v) * 1000n;
  throw badRequest(`${where} must be a non-negative integer number of microseconds`);
}

function hexId(v: unknown, width: number, where: string): string {
  const s = string(v, where).toLowerCase();
  if (!/^[0-9a-f]+$/.test(s) || s.length > width) throw badRequest(`${where} is not a hex id of at most ${width} digits: ${JSON.stringify(v)}`);
  return s.padStart(width, '0');
}

function tagValue(tag: Record<string, unknown>, where: string): AnyValue {
  const { type, value } = tag;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : String(value);
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      break;
    case 'int64':
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) return BigInt.asIntN(64, BigInt(value));
      break;
    case 'float64':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && ['NaN', 'Infinity', '-Infinity', '+Inf', '-Inf'].includes(value)) {
        return value === 'NaN' ? Number.NaN : value.startsWith('-') ? -Infinity : Infinity;
      }
      break;
    case 'binary': {
      const bytes = typeof value === 'string' ? base64ToBytes(value) : undefined;
      if (bytes) return bytes;
      break;
    }
    case undefined:
      if (typeof value === 'string' || typeof value === 'boolean') return value;
      if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
      break;
  }
  throw badRequest(`${where}: a value of type ${JSON.stringify(type)} cannot be ${JSON.stringify(value)}`);
}

function keyValues(v: unknown, where: string): KeyValue[] {
  return array(v, where).map((t, i) => {
    const tag = object(t, `${where}[${i}]`);
    return { key: string(tag.key, `${where}[${i}].key`), value: tagValue(tag, `${where}[${i}]`) };
  });
}

function processToResource(p: unknown, where: string): Resource {
  const o = object(p, `${where}.process`);
  const serviceName = o.serviceName === undefined ? '' : string(o.serviceName, `${where}.process.serviceName`);
  const tags = keyValues(o.tags, `${where}.process.tags`).filter((kv) => kv.key !== SERVICE_NAME);
  return { attributes: [{ key: SERVICE_NAME, value: serviceName }, ...tags], droppedAttributesCount: 0, schemaUrl: '' };
}

function toSpan(
  s: unknown,
  where: string,
  resourceOf: (id: string, inline: unknown, at: string) => Resource,
  scopes: Map<string, InstrumentationScope>,
): Span {
  const o = object(s, where);
  const traceId = hexId(o.traceID, 32, `${where}.traceID`);
  const spanId = hexId(o.spanID, 16, `${where}.spanID`);
  if (!isValidTraceIdHex(traceId) || !isValidSpanIdHex(spanId)) throw badRequest(`${where}: all-zero trace or span id`);
  const start = micros(o.startTime, `${where}.startTime`);
  const duration = micros(o.duration ?? 0, `${where}.duration`);
  const resource = resourceOf(typeof o.processID === 'string' ? o.processID : '', o.process, where);

  // The parent is the first CHILD_OF reference within the trace, else the first FOLLOWS_FROM one
  // (Jaeger's Span.ParentSpanID); every other reference is a link, tagged with its type as
  // Jaeger's translator does.
  const refs = array(o.references, `${where}.references`).map((r, i) => {
    const ref = object(r, `${where}.references[${i}]`);
    return {
      traceId: hexId(ref.traceID, 32, `${where}.references[${i}].traceID`),
      spanId: hexId(ref.spanID, 16, `${where}.references[${i}].spanID`),
      childOf: ref.refType !== 'FOLLOWS_FROM',
    };
  });
  let parentSpanId = o.parentSpanID === undefined || o.parentSpanID === '' ? '' : hexId(o.parentSpanID, 16, `${where}.parentSpanID`);
  if (parentSpanId === '0000000000000000') parentSpanId = '';
  const inTrace = refs.filter((r) => r.traceId === traceId);
  const parentRef = inTrace.find((r) => r.childOf) ?? inTrace[0];
  if (parentSpanId === '' && parentRef) parentSpanId = parentRef.spanId;
  const links: SpanLink[] = refs
    .filter((r) => !(r.childOf && r.traceId === traceId && r.spanId === parentSpanId))
    .map((r) => ({
      traceId: r.traceId,
      spanId: r.spanId,
      traceState: '',
      attributes: [{ key: 'opentracing.ref_type', value: r.childOf ? 'child_of' : 'follows_from' }],
      droppedAttributesCount: 0,
      flags: 0,
    }));

  let kind: SpanKind = SpanKind.UNSPECIFIED;
  const status: { code: StatusCode; message: string } = { code: StatusCode.UNSET, message: '' };
  let statusSet = false;
  let error = false;
  let scopeName = '';
  let scopeVersion = '';
  let traceState = '';
  let droppedAttributesCount = 0;
  let droppedEventsCount = 0;
  let droppedLinksCount = 0;
  const attributes: KeyValue[] = [];
  for (const kv of keyValues(o.tags, `${where}.tags`)) {
    const text = typeof kv.value === 'string' ? kv.value : undefined;
    const count = typeof kv.value === 'bigint' && kv.value >= 0n && kv.value < 2n ** 32n ? Number(kv.value) : undefined;
    if (kv.key === 'span.kind' && text !== undefined && parseKind(text) !== undefined) kind = parseKind(text)!;
    else if (kv.key === 'otel.status_code' && (text === 'OK' || text === 'ERROR')) {
      status.code = text === 'OK' ? StatusCode.OK : StatusCode.ERROR;
      statusSet = true;
    } else if (kv.key === 'error' && (kv.value === true || text === 'true')) error = true;
    else if (kv.key === 'otel.status_description' && text !== undefined) status.message = text;
    else if ((kv.key === 'otel.scope.name' || kv.key === 'otel.library.name') && text !== undefined) scopeName = text;
    else if ((kv.key === 'otel.scope.version' || kv.key === 'otel.library.version') && text !== undefined) scopeVersion = text;
    else if (kv.key === 'w3c.tracestate' && text !== undefined) traceState = text;
    else if (kv.key === 'otel.dropped_attributes_count' && count !== undefined) droppedAttributesCount = count;
    else if (kv.key === 'otel.dropped_events_count' && count !== undefined) droppedEventsCount = count;
    else if (kv.key === 'otel.dropped_links_count' && count !== undefined) droppedLinksCount = count;
    else attributes.push(kv);
  }
  if (error && !statusSet) status.code = StatusCode.ERROR;

  const events: SpanEvent[] = array(o.logs, `${where}.logs`).map((l, i) => {
    const log = object(l, `${where}.logs[${i}]`);
    const fields = keyValues(log.fields, `${where}.logs[${i}].fields`);
    const nameField = fields.findIndex((f) => f.key === 'event' && typeof f.value === 'string');
    const name = nameField >= 0 ? (fields[nameField].value as string) : '';
    return {
      timeUnixNano: micros(log.timestamp, `${where}.logs[${i}].timestamp`),
      name,
      attributes: nameField >= 0 ? fields.filter((_, k) => k !== nameField) : fields,
      droppedAttributesCount: 0,
    };
  });

  const scopeKey = `${scopeName}\u0000${scopeVersion}`;
  let scope = scopes.get(scopeKey);
  if (!scope) scopes.set(scopeKey, (scope = scopeName === '' && scopeVersion === '' ? EMPTY_SCOPE : { ...EMPTY_SCOPE, name: scopeName, version: scopeVersion }));
  const flags = typeof o.flags === 'number' && Number.isInteger(o.flags) && o.flags >= 0 ? o.flags & 0xff : 0;
  const spanStatus: SpanStatus = status;
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name: o.operationName === undefined ? '' : string(o.operationName, `${where}.operationName`),
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + duration,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status: spanStatus,
    resource,
    scope,
  };
}
