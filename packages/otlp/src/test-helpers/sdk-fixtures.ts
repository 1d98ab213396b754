// Test data in the shapes the OpenTelemetry JS SDK hands to its exporters (ReadableSpan,
// ReadableLogRecord), and what Tracelight's row objects must look like after the SDK's own
// serializers have encoded them and our decoders have decoded them.
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import { SeverityNumber, SpanKind as ApiSpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import type { Resource as SdkResource } from '@opentelemetry/resources';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { AnyValue, KeyValue, LogRecord, Span } from '@tracelight/core';

type SdkScope = ReadableSpan['instrumentationScope'] & { attributes?: Attributes; droppedAttributesCount?: number };

const hr = (seconds: number, nanos: number): HrTime => [seconds, nanos];
export const hrToNanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

const resourceA = resourceFromAttributes(
  {
    'service.name': 'checkout',
    'service.version': '1.2.3',
    'host.cpus': 8,
    'deployment.canary': false,
    'process.runtime.weight': 0.25,
    'unicode.ключ': 'значение ✓ 🚀',
  },
  { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
);
const resourceB = resourceFromAttributes({ 'service.name': 'payments' });

const scopeA: SdkScope = { name: 'http', version: '0.1.0', schemaUrl: 'https://example.com/scope-schema' };
const scopeB: SdkScope = { name: 'db', attributes: { 'db.pool': 'main', 'db.shards': [1, 2, 3] }, droppedAttributesCount: 0 };
const scopeC: SdkScope = { name: 'queue', version: '' };

const TRACE_1 = '0af7651916cd43dd8448eb211c80319c';
const TRACE_2 = 'ffffffffffffffffffffffffffffffff';

function ctx(traceId: string, spanId: string, traceFlags: number, extra: Partial<SpanContext> = {}): SpanContext {
  return { traceId, spanId, traceFlags, ...extra };
}

function span(
  fields: Partial<Omit<ReadableSpan, 'spanContext'>> & { context: SpanContext; resource: SdkResource; instrumentationScope: SdkScope },
): ReadableSpan {
  const { context, ...rest } = fields;
  return {
    name: 'op',
    kind: ApiSpanKind.INTERNAL,
    parentSpanContext: undefined,
    startTime: hr(1_700_000_000, 123_456_789),
    endTime: hr(1_700_000_001, 987_654_321),
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    duration: hr(1, 864_197_532),
    ended: true,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    spanContext: () => context,
    ...rest,
  };
}

/**
 * Spans over two resources and three scopes that use every field the SDK can send: root and
 * child spans, a remote parent, trace state, every kind and status, attributes of every value
 * type (nested arrays and maps, bytes, negative and large integers, unicode), events and links
 * with attributes and dropped counts, flags, nanosecond times beyond 2^53.
 */
export function sdkSpans(options: { nonFiniteDoubles?: boolean } = {}): ReadableSpan[] {
  const richAttributes: Attributes = {
    'http.request.method': 'GET',
    'http.response.status_code': 200,
    'http.route': '/api/items/:id',
    'retry': true,
    'ratio': 0.875,
    'negative': -42,
    'large.int': 2 ** 53 - 1,
    'very.negative': -(2 ** 40),
    'empty.string': '',
    'zero': 0,
    'string.list': ['a', 'b', ''],
    'int.list': [1, -2, 3_000_000_000],
    'double.list': [1.5, -0.25],
    'bool.list': [true, false],
    'mixed.list': ['x', 1, 2.5, false, null],
    'bytes': new Uint8Array([0, 1, 2, 254, 255]),
    'nested': { inner: { deep: [1, [2, ['three']]] }, flag: true, bytes: new Uint8Array([9]) },
    'unicode': 'grüße, 世界, 🚀',
  };
  if (options.nonFiniteDoubles) Object.assign(richAttributes, { nan: NaN, inf: Infinity, ninf: -Infinity });
  const event: TimedEvent = {
    name: 'exception',
    time: hr(1_700_000_000, 500_000_001),
    attributes: { 'exception.type': 'TypeError', 'exception.escaped': false, count: 3 },
    droppedAttributesCount: 2,
  };
  const link: Link = {
    context: ctx(TRACE_2, '00f067aa0ba902b7', 1, { isRemote: true, traceState: new TraceState('vendor=value,ot=th:8') }),
    attributes: { 'link.kind': 'follows', weight: 7 },
    droppedAttributesCount: 1,
  };
  return [
    span({
      name: 'GET /api/items/:id',
      kind: ApiSpanKind.SERVER,
      context: ctx(TRACE_1, 'b7ad6b7169203331', 1, { traceState: new TraceState('congo=t61rcWkgMzE') }),
      parentSpanContext: ctx(TRACE_1, '53995c3f42cd8ad8', 1, { isRemote: true }),
      status: { code: SpanStatusCode.ERROR, message: 'boom: ünïcode' },
      attributes: richAttributes,
      events: [event, { name: 'plain', time: hr(1_700_000_000, 600_000_000) }],
      links: [link, { context: ctx(TRACE_1, '1111111111111111', 0) }],
      droppedAttributesCount: 4,
      droppedEventsCount: 5,
      droppedLinksCount: 6,
      resource: resourceA,
      instrumentationScope: scopeA,
    }),
    span({
      name: 'SELECT items',
      kind: ApiSpanKind.CLIENT,
      context: ctx(TRACE_1, 'c7ad6b7169203332', 0),
      parentSpanContext: ctx(TRACE_1, 'b7ad6b7169203331', 1, { isRemote: false }),
      status: { code: SpanStatusCode.OK },
      attributes: { 'db.system': 'postgresql', 'db.rows': 12 },
      startTime: hr(1_700_000_000, 200_000_000),
      endTime: hr(1_700_000_000, 200_000_999),
      resource: resourceA,
      instrumentationScope: scopeB,
    }),
    span({
      name: 'publish',
      kind: ApiSpanKind.PRODUCER,
      context: ctx(TRACE_2, 'd7ad6b7169203333', 1),
      resource: resourceA,
      instrumentationScope: scopeA,
    }),
    span({
      name: '',
      kind: ApiSpanKind.CONSUMER,
      context: ctx(TRACE_2, 'e7ad6b7169203334', 0),
      parentSpanContext: ctx(TRACE_2, 'd7ad6b7169203333', 1, { isRemote: true }),
      startTime: hr(4_000_000_000, 999_999_999),
      endTime: hr(4_000_000_001, 0),
      resource: resourceB,
      instrumentationScope: scopeC,
    }),
    span({
      name: 'internal work',
      context: ctx(TRACE_2, 'f7ad6b7169203335', 1),
      resource: resourceB,
      instrumentationScope: scopeC,
    }),
  ];
}

/** Log records over two resources and two scopes, bodies of every AnyValue type. */
export function sdkLogRecords(): ReadableLogRecord[] {
  const scope = { name: 'app-logger', version: '2.0', schemaUrl: 'https://example.com/logs', attributes: { 'logger.kind': 'pino' } };
  const other = { name: 'audit' };
  const base = {
    hrTime: hr(1_700_000_000, 123_456_789),
    hrTimeObserved: hr(1_700_000_000, 223_456_789),
    resource: resourceA,
    instrumentationScope: scope,
    attributes: {},
    droppedAttributesCount: 0,
  };
  return [
    {
      ...base,
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: 'payment failed ✗',
      attributes: { 'user.id': 42, 'retry': true, 'tags': ['a', 'b'] },
      droppedAttributesCount: 3,
      spanContext: ctx(TRACE_1, 'b7ad6b7169203331', 1),
      eventName: 'payment.failed',
    },
    { ...base, severityNumber: SeverityNumber.INFO2, body: { kv: { nested: [1, 'two', 3.5, new Uint8Array([7, 8])] }, ok: false } },
    { ...base, body: [1, [2, [3]], 'x'], spanContext: ctx(TRACE_2, 'd7ad6b7169203333', 0) },
    { ...base, body: new Uint8Array([0xde, 0xad, 0xbe, 0xef]), instrumentationScope: other },
    { ...base, body: 12.75, resource: resourceB, instrumentationScope: other },
    { ...base, body: -9_007_199_254_740_991, resource: resourceB, instrumentationScope: other, severityText: 'fatal' },
    { ...base, resource: resourceB, instrumentationScope: other },
  ];
}

/** How the SDK's serializers map a JS attribute value to an OTLP AnyValue. */
export function sdkValue(v: unknown): AnyValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(sdkValue);
  if (typeof v === 'object' && v !== null) return { kvlist: sdkAttributes(v as Attributes) };
  return null;
}

export function sdkAttributes(attributes: Attributes | undefined): KeyValue[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: sdkValue(value) }));
}

// Span.flags / Link.flags: W3C trace flags plus HAS_IS_REMOTE (0x100) and IS_REMOTE (0x200).
const spanFlags = (traceFlags: number, isRemote: boolean | undefined) => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);

/** The resource and scope of a decoded row (the SDK sends no dropped count for a resource). */
function expectedEntities(resource: SdkResource, scope: SdkScope): { resource: Span['resource']; scope: Span['scope'] } {
  return {
    resource: { attributes: sdkAttributes(resource.attributes), droppedAttributesCount: 0, schemaUrl: resource.schemaUrl ?? '' },
    scope: {
      name: scope.name,
      version: scope.version ?? '',
      attributes: sdkAttributes(scope.attributes),
      droppedAttributesCount: scope.droppedAttributesCount ?? 0,
      schemaUrl: scope.schemaUrl ?? '',
    },
  };
}

/** The row a ReadableSpan must decode to. */
export function expectedSpan(s: ReadableSpan): Span {
  const c = s.spanContext();
  const scope = s.instrumentationScope as SdkScope;
  return {
    traceId: c.traceId,
    spanId: c.spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    traceState: c.traceState?.serialize() ?? '',
    flags: spanFlags(c.traceFlags, s.parentSpanContext?.isRemote),
    name: s.name,
    kind: (s.kind + 1) as Span['kind'],
    startTimeUnixNano: hrToNanos(s.startTime),
    endTimeUnixNano: hrToNanos(s.endTime),
    attributes: sdkAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: hrToNanos(e.time),
      name: e.name,
      attributes: sdkAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: sdkAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: spanFlags(l.context.traceFlags, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code as Span['status']['code'], message: s.status.message ?? '' },
    ...expectedEntities(s.resource, scope),
  };
}

/** The row a ReadableLogRecord must decode to. */
export function expectedLog(r: ReadableLogRecord): LogRecord {
  const scope = r.instrumentationScope as SdkScope;
  return {
    timeUnixNano: hrToNanos(r.hrTime),
    observedTimeUnixNano: hrToNanos(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    body: r.body === undefined ? null : sdkValue(r.body),
    attributes: sdkAttributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.spanContext?.traceFlags ?? 0,
    traceId: r.spanContext?.traceId ?? '',
    spanId: r.spanContext?.spanId ?? '',
    eventName: r.eventName ?? '',
    ...expectedEntities(r.resource, scope),
  };
}
