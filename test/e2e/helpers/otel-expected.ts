// What a span or log record made by the OpenTelemetry JS SDK must look like once it is stored:
// the rules the OTLP exporters follow (OTLP spec + @opentelemetry/otlp-transformer), written
// against our core model so the stored rows can be compared field by field.
import type { Attributes as OtelAttributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { AnyValue, Attributes, InstrumentationScope, LogRecord, Resource, Span } from '@tracelight/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

export function hrTimeToNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.trunc(nanos));
}

/** JS values as OTLP AnyValue: integral numbers are int64, other numbers doubles, objects kvlists. */
export function toAnyValue(value: unknown): AnyValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) return value;
      if (Array.isArray(value)) return value.map(toAnyValue);
      return { kvlist: toAttributes(value as OtelAttributes) };
    default:
      return null;
  }
}

export function toAttributes(attributes: OtelAttributes | undefined): Attributes {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

function resourceOf(r: { attributes: OtelAttributes; schemaUrl?: string }): Resource {
  return { attributes: toAttributes(r.attributes), droppedAttributesCount: 0, schemaUrl: r.schemaUrl ?? '' };
}

function scopeOf(s: { name: string; version?: string; schemaUrl?: string; attributes?: OtelAttributes; droppedAttributesCount?: number }): InstrumentationScope {
  const attributes = toAttributes(s.attributes);
  return {
    name: s.name,
    version: s.version ?? '',
    attributes,
    droppedAttributesCount: attributes.length > 0 ? (s.droppedAttributesCount ?? 0) : 0,
    schemaUrl: s.schemaUrl ?? '',
  };
}

export function expectedSpan(s: ReadableSpan): Span {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    traceState: ctx.traceState?.serialize() ?? '',
    flags: spanFlags(ctx, s.parentSpanContext?.isRemote),
    name: s.name,
    kind: (s.kind + 1) as Span['kind'],
    startTimeUnixNano: hrTimeToNanos(s.startTime),
    endTimeUnixNano: hrTimeToNanos(s.endTime),
    attributes: toAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: hrTimeToNanos(e.time),
      name: e.name,
      attributes: toAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: toAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: spanFlags(l.context, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code as Span['status']['code'], message: s.status.message ?? '' },
    resource: resourceOf(s.resource),
    scope: scopeOf(s.instrumentationScope),
  };
}

export function expectedLog(r: ReadableLogRecord): LogRecord {
  return {
    timeUnixNano: hrTimeToNanos(r.hrTime),
    observedTimeUnixNano: hrTimeToNanos(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    body: toAnyValue(r.body),
    attributes: toAttributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.spanContext?.traceFlags ?? 0,
    traceId: r.spanContext?.traceId ?? '',
    spanId: r.spanContext?.spanId ?? '',
    eventName: r.eventName ?? '',
    resource: resourceOf(r.resource),
    scope: scopeOf(r.instrumentationScope),
  };
}
