import type { AnyValue, InstrumentationScope, LogRecord, Resource, Span } from '@tracelight/core';
import { logBatchFromRecords, logsOf, SpanKind, spanBatchFromSpans, spansOf, StatusCode } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { decodeLogsRequest, decodeTraceRequest } from './decode.js';
import { encodeLogsRequest, encodeTraceRequest } from './encode.js';
import type { OtlpFormat } from './format.js';
import { traceBatchToOtlpJson } from './internal/json-encode.js';

const MAX_U64 = 2n ** 64n - 1n;

/** Every AnyValue type, with the edge values each one has. */
const everyValue: AnyValue[] = [
  '',
  'plain ascii',
  'ünïcödé 世界 🚀 \u{1F600}',
  '\uFEFFleading byte order mark',
  'x'.repeat(300),
  'ü'.repeat(200),
  true,
  false,
  0n,
  1n,
  -1n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  -(2n ** 53n) - 3n,
  0,
  1.5,
  -2.25e-300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  new Uint8Array(0),
  new Uint8Array([0, 1, 127, 128, 255]),
  new Uint8Array(300).map((_, i) => i & 0xff),
  null,
  [],
  [null, '', 0n, [], { kvlist: [] }],
  [1n, [2n, [3n, ['deep', [new Uint8Array([1])]]]]],
  { kvlist: [] },
  { kvlist: [{ key: '', value: null }, { key: 'k', value: 'v' }, { key: 'k', value: 'repeated key' }] },
  { kvlist: [{ key: 'nested', value: { kvlist: [{ key: 'list', value: [1.5, NaN, { kvlist: [{ key: 'b', value: true }] }] }] } }] },
];

const attributes = everyValue.map((value, i) => ({ key: `attr.${i}`, value }));

const resource1: Resource = { attributes: [{ key: 'service.name', value: 'api' }, ...attributes.slice(0, 6)], droppedAttributesCount: 7, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const resource2: Resource = { attributes: [{ key: 'service.name', value: 'wörker' }], droppedAttributesCount: 0, schemaUrl: '' };
const scope1: InstrumentationScope = { name: 'lib-a', version: '1.0.0', attributes: [{ key: 'scope.attr', value: 3n }], droppedAttributesCount: 2, schemaUrl: 'https://example.com/s' };
const scope2: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
const scope3: InstrumentationScope = { name: 'lib-c', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

function span(n: number, over: Partial<Span> = {}): Span {
  return {
    traceId: n % 2 === 0 ? '0af7651916cd43dd8448eb211c80319c' : 'ffffffffffffffffffffffffffffff01',
    spanId: (0x1000 + n).toString(16).padStart(16, '0'),
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: `op ${n}`,
    kind: SpanKind.UNSPECIFIED,
    startTimeUnixNano: 1_700_000_000_123_456_789n + BigInt(n),
    endTimeUnixNano: 1_700_000_000_987_654_321n + BigInt(n),
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    resource: resource1,
    scope: scope1,
    ...over,
  };
}

/** Rows in ResourceSpans/ScopeSpans order, so the encoded request keeps their order. */
function allFieldSpans(): Span[] {
  return [
    span(0, {
      parentSpanId: '53995c3f42cd8ad8',
      traceState: 'congo=t61rcWkgMzE,ot=th:8',
      flags: 0xffff_ffff,
      name: 'GET /ünïcode/🚀',
      kind: SpanKind.SERVER,
      startTimeUnixNano: MAX_U64 - 1n,
      endTimeUnixNano: MAX_U64,
      attributes,
      droppedAttributesCount: 0xffff_ffff,
      events: [
        { timeUnixNano: 1_700_000_000_500_000_001n, name: 'exception', attributes: attributes.slice(10, 20), droppedAttributesCount: 3 },
        { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 },
        { timeUnixNano: MAX_U64, name: 'last', attributes: [{ key: 'x', value: null }], droppedAttributesCount: 0 },
      ],
      droppedEventsCount: 11,
      links: [
        { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', traceState: 'a=b', attributes: attributes.slice(20), droppedAttributesCount: 4, flags: 0x301 },
        { traceId: 'ffffffffffffffffffffffffffffffff', spanId: 'ffffffffffffffff', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 },
      ],
      droppedLinksCount: 12,
      status: { code: StatusCode.ERROR, message: 'boom ✗' },
    }),
    span(1, { kind: SpanKind.INTERNAL, status: { code: StatusCode.OK, message: '' }, startTimeUnixNano: 0n, endTimeUnixNano: 0n }),
    span(2, { kind: SpanKind.CLIENT, name: '', status: { code: StatusCode.UNSET, message: 'message without code' }, scope: scope2 }),
    span(3, { kind: SpanKind.PRODUCER, resource: resource2, scope: scope2 }),
    span(4, { kind: SpanKind.CONSUMER, resource: resource2, scope: scope3, parentSpanId: '0000000000000001' }),
  ];
}

function log(n: number, over: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_123_456_789n + BigInt(n),
    observedTimeUnixNano: 1_700_000_000_223_456_789n + BigInt(n),
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    resource: resource1,
    scope: scope1,
    ...over,
  };
}

function allFieldLogs(): LogRecord[] {
  const bodies = everyValue.map((body, i) => log(10 + i, { body }));
  return [
    log(0, {
      severityNumber: 24,
      severityText: 'FATAL ✗',
      body: { kvlist: attributes },
      attributes,
      droppedAttributesCount: 9,
      flags: 0xff,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      eventName: 'session.start',
      timeUnixNano: MAX_U64,
      observedTimeUnixNano: 0n,
    }),
    log(1, { traceId: '0af7651916cd43dd8448eb211c80319c' }),
    log(2, { spanId: 'b7ad6b7169203331', scope: scope2 }),
    ...bodies.map((r) => ({ ...r, resource: resource2, scope: scope3 })),
  ];
}

describe.each<OtlpFormat>(['protobuf', 'json'])('our encoder → our decoder (%s)', (format) => {
  it('round-trips a span batch exercising every field and AnyValue type', () => {
    const input = spanBatchFromSpans(allFieldSpans());
    const { batch, rejected } = decodeTraceRequest(encodeTraceRequest(input, format), format);
    expect(rejected).toBe(0);
    expect(spansOf(batch)).toEqual(spansOf(input));
    expect(batch.resources).toEqual(input.resources);
    expect([...batch.resourceIndex]).toEqual([...input.resourceIndex]);
    // One scope entry per ScopeSpans: scope2, used under both resources, is there twice.
    expect(batch.scopes).toEqual([scope1, scope2, scope2, scope3]);
    expect([...batch.scopeIndex]).toEqual([0, 0, 1, 2, 3]);
  });

  it('round-trips a log batch exercising every field and every body type', () => {
    const input = logBatchFromRecords(allFieldLogs());
    const { batch, rejected } = decodeLogsRequest(encodeLogsRequest(input, format), format);
    expect(rejected).toBe(0);
    expect(logsOf(batch)).toEqual(logsOf(input));
  });

  it('groups interleaved rows by resource and scope without losing any', () => {
    const rows = allFieldSpans();
    const interleaved = [rows[3], rows[0], rows[4], rows[2], rows[1]];
    const { batch } = decodeTraceRequest(encodeTraceRequest(spanBatchFromSpans(interleaved), format), format);
    expect(spansOf(batch).map((s) => s.spanId)).toEqual([rows[3], rows[4], rows[0], rows[1], rows[2]].map((s) => s.spanId));
    expect(spansOf(batch)).toEqual(expect.arrayContaining(rows));
    expect(batch.resources).toHaveLength(2);
  });

  it('round-trips an empty batch', () => {
    const { batch } = decodeTraceRequest(encodeTraceRequest(spanBatchFromSpans([]), format), format);
    expect(batch.length).toBe(0);
    expect(decodeLogsRequest(encodeLogsRequest(logBatchFromRecords([]), format), format).batch.length).toBe(0);
  });
});

describe('OTLP/JSON encoding', () => {
  it('writes ids as lower-case hex, 64-bit integers as strings, enums as numbers, and leaves defaults out', () => {
    const rows = allFieldSpans();
    const json = traceBatchToOtlpJson(spanBatchFromSpans([rows[0], rows[1]]));
    const scopeSpans = json.resourceSpans[0].scopeSpans as Record<string, unknown>[];
    const [full, minimal] = scopeSpans[0].spans as Record<string, unknown>[];
    expect(full.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(full.parentSpanId).toBe('53995c3f42cd8ad8');
    expect(full.kind).toBe(2);
    expect(full.startTimeUnixNano).toBe('18446744073709551614');
    expect(full.status).toEqual({ message: 'boom ✗', code: 2 });
    const attrs = full.attributes as { key: string; value: unknown }[];
    expect(attrs.find((a) => a.key === 'attr.12')?.value).toEqual({ intValue: '9223372036854775807' });
    expect(attrs.find((a) => a.key === 'attr.20')?.value).toEqual({ doubleValue: 'NaN' });
    expect(attrs.find((a) => a.key === 'attr.24')?.value).toEqual({ bytesValue: 'AAF/gP8=' });
    expect(attrs.find((a) => a.key === 'attr.0')?.value).toEqual({ stringValue: '' });
    expect(attrs.find((a) => a.key === 'attr.26')?.value).toEqual({});
    expect(minimal).toEqual({
      traceId: 'ffffffffffffffffffffffffffffff01',
      spanId: '0000000000001001',
      name: 'op 1',
      kind: 1,
      status: { code: 1 },
    });
    expect(json.resourceSpans[0].schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(scopeSpans[0].scope).toEqual({ name: 'lib-a', version: '1.0.0', attributes: [{ key: 'scope.attr', value: { intValue: '3' } }], droppedAttributesCount: 2 });
  });
});
