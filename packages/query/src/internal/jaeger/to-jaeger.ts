import type { AnyValue, Attributes, Resource, Span } from '@tracelight/core';
import { anyValueToString, bytesToBase64, getAttribute, serviceNameOf, SERVICE_NAME, StatusCode } from '@tracelight/core';
import type { JaegerKeyValue, JaegerLog, JaegerProcess, JaegerReference, JaegerSpan, JaegerTrace } from '../../api-types.js';
import { kindName } from '../span-kind.js';

/**
 * Jaeger's JSON for the UI (`internal/uimodel` in jaegertracing/jaeger), built from OTLP-shaped
 * spans the way Jaeger's OTLP translator does it:
 *
 * - times in microseconds since the epoch, durations in microseconds (negative ones become 0);
 * - one process per distinct resource (`p1`, `p2`, … in order of first appearance), its tags
 *   the resource attributes except `service.name`;
 * - references: CHILD_OF the parent first, then one per link (FOLLOWS_FROM, or CHILD_OF when the
 *   link says `opentracing.ref_type=child_of`);
 * - tags: `otel.scope.name` / `otel.scope.version`, the span attributes, then `span.kind`,
 *   `otel.status_code` (OK / ERROR), `error=true` for ERROR, `otel.status_description`,
 *   `w3c.tracestate`, and `otel.dropped_{attributes,events,links}_count` when non-zero;
 * - logs from events: `event` = the event name (unless an attribute is called so), then its attributes;
 * - int64 values beyond ±(2^53 − 1) as decimal strings, bytes as base64 ("binary"), arrays and
 *   maps as their JSON text ("string").
 */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function jaegerTag(key: string, value: AnyValue): JaegerKeyValue {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'bigint':
      return { key, type: 'int64', value: value > MAX_SAFE || value < -MAX_SAFE ? value.toString() : Number(value) };
    case 'number':
      // JSON has no NaN or infinities; their text keeps the value readable.
      return { key, type: 'float64', value: Number.isFinite(value) ? value : String(value) };
    default:
      if (value instanceof Uint8Array) return { key, type: 'binary', value: bytesToBase64(value) };
      return { key, type: 'string', value: anyValueToString(value) };
  }
}

function tagsOf(attributes: Attributes, skip?: string): JaegerKeyValue[] {
  const out: JaegerKeyValue[] = [];
  for (const kv of attributes) if (kv.key !== skip) out.push(jaegerTag(kv.key, kv.value));
  return out;
}

function str(key: string, value: string): JaegerKeyValue {
  return { key, type: 'string', value };
}

function int(key: string, value: number): JaegerKeyValue {
  return { key, type: 'int64', value };
}

export function spanTags(span: Span): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (span.scope.name !== '') tags.push(str('otel.scope.name', span.scope.name));
  if (span.scope.version !== '') tags.push(str('otel.scope.version', span.scope.version));
  for (const kv of span.attributes) tags.push(jaegerTag(kv.key, kv.value));
  const kind = kindName(span.kind);
  if (kind !== '') tags.push(str('span.kind', kind));
  if (span.status.code === StatusCode.OK) tags.push(str('otel.status_code', 'OK'));
  if (span.status.code === StatusCode.ERROR) {
    tags.push(str('otel.status_code', 'ERROR'));
    tags.push({ key: 'error', type: 'bool', value: true });
  }
  if (span.status.message !== '') tags.push(str('otel.status_description', span.status.message));
  if (span.traceState !== '') tags.push(str('w3c.tracestate', span.traceState));
  if (span.droppedAttributesCount > 0) tags.push(int('otel.dropped_attributes_count', span.droppedAttributesCount));
  if (span.droppedEventsCount > 0) tags.push(int('otel.dropped_events_count', span.droppedEventsCount));
  if (span.droppedLinksCount > 0) tags.push(int('otel.dropped_links_count', span.droppedLinksCount));
  return tags;
}

export function spanReferences(span: Span): JaegerReference[] {
  const refs: JaegerReference[] = [];
  if (span.parentSpanId !== '') refs.push({ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId });
  for (const link of span.links) {
    const refType = getAttribute(link.attributes, 'opentracing.ref_type') === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
    if (span.parentSpanId !== '' && link.traceId === span.traceId && link.spanId === span.parentSpanId) {
      refs[0] = { ...refs[0], refType };
      continue;
    }
    refs.push({ refType, traceID: link.traceId, spanID: link.spanId });
  }
  return refs;
}

export function spanLogs(span: Span): JaegerLog[] {
  return span.events.map((event) => {
    const fields: JaegerKeyValue[] = [];
    if (event.name !== '' && getAttribute(event.attributes, 'event') === undefined) fields.push(str('event', event.name));
    fields.push(...tagsOf(event.attributes));
    return { timestamp: Number(event.timeUnixNano / 1000n), fields };
  });
}

/** A key that is equal for resources with the same content (so copies of one resource share a process). */
function resourceKey(resource: Resource): string {
  return anyValueToString({ kvlist: resource.attributes });
}

export function jaegerProcess(resource: Resource): JaegerProcess {
  return { serviceName: serviceNameOf(resource), tags: tagsOf(resource.attributes, SERVICE_NAME) };
}

/**
 * One trace in Jaeger's JSON. Spans are ordered by start time (then span id); `warnings` are the
 * clock-skew adjuster's notes per span id.
 */
export function toJaegerTrace(traceId: string, spans: readonly Span[], warnings?: ReadonlyMap<string, readonly string[]>): JaegerTrace {
  const processIds = new Map<Resource, string>();
  const byContent = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const processOf = (resource: Resource): string => {
    let id = processIds.get(resource);
    if (id !== undefined) return id;
    const key = resourceKey(resource);
    id = byContent.get(key);
    if (id === undefined) {
      id = `p${byContent.size + 1}`;
      byContent.set(key, id);
      processes[id] = jaegerProcess(resource);
    }
    processIds.set(resource, id);
    return id;
  };
  const ordered = [...spans].sort((a, b) =>
    a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0,
  );
  const jSpans: JaegerSpan[] = ordered.map((span) => {
    const duration = span.endTimeUnixNano > span.startTimeUnixNano ? (span.endTimeUnixNano - span.startTimeUnixNano) / 1000n : 0n;
    // Jaeger's flags are the W3C trace flags (1 = sampled); omitted when zero, as Jaeger does.
    const flags = span.flags & 0xff;
    return {
      traceID: span.traceId,
      spanID: span.spanId,
      ...(flags !== 0 && { flags }),
      operationName: span.name,
      references: spanReferences(span),
      startTime: Number(span.startTimeUnixNano / 1000n),
      duration: Number(duration),
      tags: spanTags(span),
      logs: spanLogs(span),
      processID: processOf(span.resource),
      warnings: warnings?.get(span.spanId)?.slice() ?? null,
    };
  });
  return { traceID: traceId, spans: jSpans, processes, warnings: null };
}
