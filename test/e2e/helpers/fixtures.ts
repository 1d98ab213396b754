import type { LogRecord, Resource, InstrumentationScope, Span } from '@tracelight/core';

/** Random lower-case hex of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

/**
 * Spans that use every field and every AnyValue shape OTLP has (what the SDK cannot produce:
 * int64 extremes, kvlists in kvlists, arrays in arrays, empty values, non-finite doubles), all
 * in one trace with a fresh trace id.
 */
export function richSpans(run: string): Span[] {
  const traceId = randomHex(16);
  const resource: Resource = {
    attributes: [
      { key: 'service.name', value: `rich-${run}` },
      { key: 'service.instance.id', value: randomHex(4) },
      { key: 'k8s.labels', value: { kvlist: [{ key: 'app', value: 'web' }, { key: 'tier', value: ['a', 'b'] }] } },
    ],
    droppedAttributesCount: 3,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  };
  const scope: InstrumentationScope = {
    name: 'rich-scope',
    version: '9.9.9',
    attributes: [{ key: 'scope.flag', value: true }],
    droppedAttributesCount: 1,
    schemaUrl: 'https://example.com/scope',
  };
  const plainScope: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const root = randomHex(8);
  const base: Omit<Span, 'spanId' | 'parentSpanId' | 'name'> = {
    traceId,
    traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    flags: 0x301,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_001n,
    endTimeUnixNano: 1_700_000_000_999_999_999n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource,
    scope,
  };
  return [
    {
      ...base,
      spanId: root,
      parentSpanId: '',
      name: 'root: every attribute type',
      attributes: [
        { key: 'test.run', value: run },
        { key: 'str', value: 'héllo 🙂' },
        { key: 'empty.str', value: '' },
        { key: 'bool.t', value: true },
        { key: 'bool.f', value: false },
        { key: 'int.zero', value: 0n },
        { key: 'int.min', value: -(2n ** 63n) },
        { key: 'int.max', value: 2n ** 63n - 1n },
        { key: 'int.big', value: 2n ** 53n + 1n },
        { key: 'double', value: 0.1 },
        { key: 'double.whole', value: 5 },
        { key: 'double.tiny', value: 5e-324 },
        { key: 'double.huge', value: -1.7976931348623157e308 },
        { key: 'double.inf', value: Infinity },
        { key: 'double.nan', value: NaN },
        { key: 'bytes', value: new Uint8Array([0, 255, 1, 128]) },
        { key: 'bytes.empty', value: new Uint8Array() },
        { key: 'array', value: ['x', 1n, 2.5, true, null, new Uint8Array([9])] },
        { key: 'array.nested', value: [[1n, [2n, [3n]]], [], ['deep']] },
        { key: 'kvlist', value: { kvlist: [{ key: 'a', value: { kvlist: [{ key: 'b', value: [{ kvlist: [] }] }] } }, { key: 'n', value: null }] } },
        { key: 'kvlist.empty', value: { kvlist: [] } },
        { key: 'empty', value: null },
        { key: 'repeated', value: 'first' },
        { key: 'repeated', value: 'second' },
      ],
      droppedAttributesCount: 7,
      events: [
        { timeUnixNano: 1_700_000_000_500_000_001n, name: 'event.one', attributes: [{ key: 'n', value: 1n }], droppedAttributesCount: 2 },
        { timeUnixNano: 1_700_000_000_500_000_002n, name: '', attributes: [], droppedAttributesCount: 0 },
      ],
      droppedEventsCount: 4,
      links: [
        { traceId: randomHex(16), spanId: randomHex(8), traceState: 'a=b', attributes: [{ key: 'why', value: 'batch' }], droppedAttributesCount: 1, flags: 0x101 },
      ],
      droppedLinksCount: 5,
      status: { code: 2, message: 'boom' },
    },
    { ...base, spanId: randomHex(8), parentSpanId: root, name: 'child: internal', kind: 1, flags: 1, traceState: '', status: { code: 1, message: '' } },
    { ...base, spanId: randomHex(8), parentSpanId: root, name: 'child: consumer, no scope', kind: 5, scope: plainScope, startTimeUnixNano: 0n, endTimeUnixNano: 2n ** 64n - 1n },
  ];
}

/** Log records with every field set and every AnyValue shape as a body. */
export function richLogs(run: string): LogRecord[] {
  const resource: Resource = { attributes: [{ key: 'service.name', value: `rich-logs-${run}` }], droppedAttributesCount: 1, schemaUrl: 'https://s/1' };
  const scope: InstrumentationScope = { name: 'rich-logger', version: '1', attributes: [{ key: 'x', value: 1n }], droppedAttributesCount: 2, schemaUrl: 'https://s/2' };
  const traceId = randomHex(16);
  const base: LogRecord = {
    timeUnixNano: 1_700_000_000_000_000_007n,
    observedTimeUnixNano: 1_700_000_000_000_000_008n,
    severityNumber: 21,
    severityText: 'FATAL',
    body: 'text body',
    attributes: [{ key: 'test.run', value: run }],
    droppedAttributesCount: 3,
    flags: 1,
    traceId,
    spanId: randomHex(8),
    eventName: 'rich.event',
    resource,
    scope,
  };
  return [
    { ...base, attributes: [...base.attributes, { key: 'seq', value: 0n }] },
    { ...base, attributes: [...base.attributes, { key: 'seq', value: 1n }], body: { kvlist: [{ key: 'k', value: [1n, { kvlist: [{ key: 'deep', value: new Uint8Array([1, 2]) }] }] }] }, eventName: '' },
    { ...base, attributes: [...base.attributes, { key: 'seq', value: 2n }], body: [[2n ** 63n - 1n], -0.5, false], severityNumber: 0, severityText: '' },
    { ...base, attributes: [...base.attributes, { key: 'seq', value: 3n }], body: null, traceId: '', spanId: '', flags: 0, timeUnixNano: 0n },
  ];
}
