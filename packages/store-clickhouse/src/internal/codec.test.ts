import type { AnyValue, LogRecord, Span } from '@tracelight/core';
import { EMPTY_SCOPE, SpanKind, spanBatchFromSpans, StatusCode } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { MAX_VALUE_DEPTH, readAttributes, readLog, readResource, readScope, readSpan, writeAttributes, writeLogBody, writeResource, writeScope, writeSpanBody } from './codec.js';
import { RowBinaryReader, RowBinaryWriter } from './row-binary.js';

const roundTrip = <T>(write: (w: RowBinaryWriter) => void, read: (r: RowBinaryReader) => T): T => {
  const w = new RowBinaryWriter(8);
  write(w);
  const r = new RowBinaryReader(w.finish());
  const value = read(r);
  expect(r.done).toBe(true);
  return value;
};

const VALUES: AnyValue[] = [
  '', 'text', 'é😀', true, false, 0n, -1n, 9223372036854775807n, -9223372036854775808n, 0, -0, 1.5, Number.NaN,
  Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, new Uint8Array([]), new Uint8Array([0, 255]), null, [], ['a', 1n, [2.5, null]],
  { kvlist: [] }, { kvlist: [{ key: 'k', value: { kvlist: [{ key: '', value: [true] }] } }] },
];

describe('the stored value format', () => {
  it('keeps every AnyValue type exactly (int vs double, -0, NaN, bytes, nesting)', () => {
    const attributes = VALUES.map((value, i) => ({ key: `k${i}`, value }));
    expect(roundTrip((w) => writeAttributes(w, attributes), readAttributes)).toEqual(attributes);
    const back = roundTrip((w) => writeAttributes(w, attributes), readAttributes);
    expect(Object.is(back[10].value, -0)).toBe(true);
    expect(typeof back[5].value).toBe('bigint');
  });

  it('stores values nested deeper than the limit as empty instead of recursing without end', () => {
    let deep: AnyValue = 'bottom';
    for (let i = 0; i < MAX_VALUE_DEPTH + 10; i++) deep = [deep];
    const [{ value }] = roundTrip((w) => writeAttributes(w, [{ key: 'deep', value: deep }]), readAttributes);
    let depth = 0;
    let v: AnyValue = value;
    while (Array.isArray(v)) {
      v = v[0];
      depth++;
    }
    expect(depth).toBe(MAX_VALUE_DEPTH);
    expect(v).toBeNull();
  });

  it('round-trips resources, scopes, spans and log records', () => {
    const resource = { attributes: [{ key: 'service.name', value: 'svc' }], droppedAttributesCount: 2, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
    expect(roundTrip((w) => writeResource(w, resource), readResource)).toEqual(resource);
    const scope = { name: 'lib', version: '1.0', attributes: [{ key: 'a', value: 1n }], droppedAttributesCount: 1, schemaUrl: 'u' };
    expect(roundTrip((w) => writeScope(w, scope), readScope)).toEqual(scope);
    const span: Span = {
      traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: '', traceState: 'k=v', flags: 0x301, name: 'op', kind: SpanKind.CONSUMER,
      startTimeUnixNano: 2n ** 63n + 5n, endTimeUnixNano: 1n, attributes: [{ key: 'x', value: VALUES[20] }], droppedAttributesCount: 3,
      events: [{ timeUnixNano: 7n, name: 'e', attributes: [], droppedAttributesCount: 1 }], droppedEventsCount: 4,
      links: [{ traceId: 'not hex', spanId: '', traceState: '', attributes: [{ key: 'l', value: false }], droppedAttributesCount: 0, flags: 0xffffffff }],
      droppedLinksCount: 5, status: { code: StatusCode.ERROR, message: 'boom' }, resource, scope,
    };
    const back = roundTrip((w) => writeSpanBody(w, spanBatchFromSpans([span]), 0), (r) =>
      readSpan(r, { traceId: span.traceId, spanId: span.spanId, parentSpanId: '' }, resource, scope),
    );
    expect(back).toEqual(span);
    const log: LogRecord = {
      timeUnixNano: 0n, observedTimeUnixNano: 99n, severityNumber: 24, severityText: 'FATAL4', body: { kvlist: [{ key: 'b', value: new Uint8Array([1]) }] },
      attributes: [], droppedAttributesCount: 6, flags: 1, traceId: '', spanId: '', eventName: 'ev', resource, scope: EMPTY_SCOPE,
    };
    expect(roundTrip((w) => writeLogBody(w, log), (r) => readLog(r, '', '', resource, EMPTY_SCOPE))).toEqual(log);
  });

  it('refuses data in an unknown format or cut short, with a clear error', () => {
    expect(() => readResource(new RowBinaryReader(Buffer.from([9])))).toThrow(/format 9/);
    const w = new RowBinaryWriter();
    writeAttributes(w, [{ key: 'k', value: 'a long enough value' }]);
    const cut = w.finish().subarray(0, 8);
    expect(() => readAttributes(new RowBinaryReader(cut))).toThrow(/ended in the middle/);
  });
});

describe('RowBinary', () => {
  it('writes varints, strings of every length, and grows its buffer', () => {
    const strings = ['', 'a', 'x'.repeat(42), 'é'.repeat(42), 'y'.repeat(43), 'z'.repeat(200_000)];
    const w = new RowBinaryWriter(1);
    for (const s of strings) w.string(s);
    for (const n of [0, 127, 128, 16_383, 16_384, 2 ** 32, 2 ** 40]) w.varint(n);
    const r = new RowBinaryReader(w.finish());
    for (const s of strings) expect(r.string()).toBe(s);
    for (const n of [0, 127, 128, 16_383, 16_384, 2 ** 32, 2 ** 40]) expect(r.varint()).toBe(n);
    expect(r.done).toBe(true);
  });
});
