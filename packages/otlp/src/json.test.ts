import { logsOf, spansOf } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { decodeLogsRequest, decodeTraceRequest } from './decode.js';
import { OtlpDecodeError } from './otlp-decode-error.js';

const utf8 = new TextEncoder();
const body = (value: unknown) => utf8.encode(typeof value === 'string' ? value : JSON.stringify(value));
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function traceJson(spans: unknown[], extra: Record<string, unknown> = {}) {
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 's' }, spans }], ...extra }] };
}

function decodeSpans(json: unknown) {
  return decodeTraceRequest(body(json), 'json');
}

describe('OTLP/JSON decoding', () => {
  it('decodes `{}` as an empty request, and missing fields as their defaults', () => {
    expect(decodeSpans({}).batch.length).toBe(0);
    expect(decodeTraceRequest(body({ resourceSpans: null }), 'json').batch.length).toBe(0);
    const [s] = spansOf(decodeSpans(traceJson([{ traceId: TRACE, spanId: SPAN }])).batch);
    expect(s).toMatchObject({
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: [],
      events: [],
      links: [],
      status: { code: 0, message: '' },
    });
    expect(s.resource).toEqual({ attributes: [{ key: 'service.name', value: 'svc' }], droppedAttributesCount: 0, schemaUrl: '' });
    expect(s.scope).toEqual({ name: 's', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' });
  });

  it('rejects spans whose ids have the wrong length or are not hex, and counts them', () => {
    const { batch, rejected, errorMessage } = decodeSpans(
      traceJson([
        { traceId: TRACE, spanId: SPAN, name: 'ok' },
        { traceId: TRACE.slice(2), spanId: SPAN, name: '15-byte trace id' },
        { traceId: TRACE + '00', spanId: SPAN, name: '17-byte trace id' },
        { traceId: 'z'.repeat(32), spanId: SPAN, name: 'not hex' },
        { traceId: '0'.repeat(32), spanId: SPAN, name: 'zero' },
        { spanId: SPAN, name: 'missing trace id' },
        { traceId: TRACE, spanId: SPAN + 'ab', name: '9-byte span id' },
        { traceId: TRACE, spanId: SPAN, parentSpanId: 'abcd', name: '2-byte parent' },
        { traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), parentSpanId: '', name: 'upper case is fine' },
      ]),
    );
    expect(rejected).toBe(7);
    expect(errorMessage).toBe(
      '7 spans rejected: 5 with trace_id not 16 bytes or all zero; 1 with span_id not 8 bytes or all zero; 1 with parent_span_id neither empty nor 8 bytes',
    );
    expect(spansOf(batch).map((s) => [s.name, s.traceId, s.spanId])).toEqual([
      ['ok', TRACE, SPAN],
      ['upper case is fine', TRACE, SPAN],
    ]);
  });

  it('rejects log records whose ids are neither empty nor the right length', () => {
    const { batch, rejected, errorMessage } = decodeLogsRequest(
      body({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { body: { stringValue: 'no ids' } },
                  { traceId: TRACE, spanId: SPAN, body: { stringValue: 'both' } },
                  { traceId: SPAN, body: { stringValue: 'short trace id' } },
                  { spanId: TRACE, body: { stringValue: 'long span id' } },
                ],
              },
            ],
          },
        ],
      }),
      'json',
    );
    expect(rejected).toBe(2);
    expect(errorMessage).toBe('2 log records rejected: 1 with trace_id neither empty nor 16 bytes; 1 with span_id neither empty nor 8 bytes');
    expect(logsOf(batch).map((r) => [r.body, r.traceId, r.spanId])).toEqual([
      ['no ids', '', ''],
      ['both', TRACE, SPAN],
    ]);
  });

  it('accepts the original snake_case names and enum names', () => {
    const snake = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'a', value: { int_value: '5' } }], dropped_attributes_count: 2 },
          schema_url: 'https://r',
          scope_spans: [
            {
              scope: { name: 'n', version: 'v', dropped_attributes_count: 1 },
              schema_url: 'https://s',
              spans: [
                {
                  trace_id: TRACE,
                  span_id: SPAN,
                  parent_span_id: SPAN,
                  trace_state: 'a=b',
                  name: 'snake',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: '1700000000123456789',
                  end_time_unix_nano: '1700000000123456790',
                  attributes: [
                    { key: 's', value: { string_value: 'x' } },
                    { key: 'b', value: { bool_value: true } },
                    { key: 'd', value: { double_value: 1.5 } },
                    { key: 'y', value: { bytes_value: 'AQID' } },
                    { key: 'l', value: { array_value: { values: [{ int_value: 1 }] } } },
                    { key: 'm', value: { kvlist_value: { values: [{ key: 'k', value: { string_value: 'v' } }] } } },
                  ],
                  dropped_attributes_count: 1,
                  events: [{ time_unix_nano: '5', name: 'e', dropped_attributes_count: 3 }],
                  dropped_events_count: 2,
                  links: [{ trace_id: TRACE, span_id: SPAN, trace_state: 'c=d', dropped_attributes_count: 4, flags: 1 }],
                  dropped_links_count: 3,
                  status: { code: 'STATUS_CODE_ERROR', message: 'm' },
                  flags: 257,
                },
              ],
            },
          ],
        },
      ],
    };
    const [s] = spansOf(decodeSpans(snake).batch);
    expect(s).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: SPAN,
      traceState: 'a=b',
      flags: 257,
      name: 'snake',
      kind: 5,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_000_123_456_790n,
      attributes: [
        { key: 's', value: 'x' },
        { key: 'b', value: true },
        { key: 'd', value: 1.5 },
        { key: 'y', value: new Uint8Array([1, 2, 3]) },
        { key: 'l', value: [1n] },
        { key: 'm', value: { kvlist: [{ key: 'k', value: 'v' }] } },
      ],
      droppedAttributesCount: 1,
      events: [{ timeUnixNano: 5n, name: 'e', attributes: [], droppedAttributesCount: 3 }],
      droppedEventsCount: 2,
      links: [{ traceId: TRACE, spanId: SPAN, traceState: 'c=d', attributes: [], droppedAttributesCount: 4, flags: 1 }],
      droppedLinksCount: 3,
      status: { code: 2, message: 'm' },
      resource: { attributes: [{ key: 'a', value: 5n }], droppedAttributesCount: 2, schemaUrl: 'https://r' },
      scope: { name: 'n', version: 'v', attributes: [], droppedAttributesCount: 1, schemaUrl: 'https://s' },
    });
    const logs = decodeLogsRequest(
      body({ resource_logs: [{ scope_logs: [{ log_records: [{ severity_number: 'SEVERITY_NUMBER_WARN3', severity_text: 'w', event_name: 'ev', observed_time_unix_nano: 7 }] }] }] }),
      'json',
    );
    expect(logsOf(logs.batch)[0]).toMatchObject({ severityNumber: 15, severityText: 'w', eventName: 'ev', observedTimeUnixNano: 7n });
  });

  it('keeps 64-bit integers exact, whether sent as strings or as numbers', () => {
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}",
      "startTimeUnixNano":1700000000123456789,"endTimeUnixNano":"18446744073709551615",
      "attributes":[{"key":"n","value":{"intValue":9007199254740993}},{"key":"s","value":{"intValue":"-9223372036854775808"}},
      {"key":"small","value":{"intValue":-12}},{"key":"d","value":{"doubleValue":12345678901234567890}}]}]}]}]}`;
    const [s] = spansOf(decodeTraceRequest(body(text), 'json').batch);
    expect(s.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(s.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(s.attributes).toEqual([
      { key: 'n', value: 9_007_199_254_740_993n },
      { key: 's', value: -(2n ** 63n) },
      { key: 'small', value: -12n },
      { key: 'd', value: Number('12345678901234567890') },
    ]);
  });

  it('counts rejections once when a request needs the exact-integer pass', () => {
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"00","spanId":"${SPAN}"},
      {"traceId":"${TRACE}","spanId":"${SPAN}","startTimeUnixNano":1700000000123456789}]}]}]}`;
    const { batch, rejected } = decodeTraceRequest(body(text), 'json');
    expect(rejected).toBe(1);
    expect(spansOf(batch).map((s) => s.startTimeUnixNano)).toEqual([1_700_000_000_123_456_789n]);
    // In the exact pass a long integer is still not a string.
    const named = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","startTimeUnixNano":1700000000123456789},
      {"traceId":"${TRACE}","spanId":"${SPAN}","name":12345678901234567890}]}]}]}`;
    expect(() => decodeTraceRequest(body(named), 'json')).toThrow(/Span.name must be a string/);
    const logs = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":18446744073709551615,"body":{"intValue":-9223372036854775807}}]}]}]}`;
    expect(logsOf(decodeLogsRequest(body(logs), 'json').batch)[0]).toMatchObject({ timeUnixNano: 2n ** 64n - 1n, body: -(2n ** 63n) + 1n });
  });

  it('reads enum values past a byte as 0 (unspecified)', () => {
    const [s] = spansOf(decodeSpans(traceJson([{ traceId: TRACE, spanId: SPAN, kind: 258, status: { code: '513' } }])).batch);
    expect([s.kind, s.status.code]).toEqual([0, 0]);
  });

  it('reads doubles written as "NaN", "Infinity" and "-Infinity", and bytes in either base64 alphabet', () => {
    const [s] = spansOf(
      decodeSpans(
        traceJson([
          {
            traceId: TRACE,
            spanId: SPAN,
            attributes: [
              { key: 'nan', value: { doubleValue: 'NaN' } },
              { key: 'inf', value: { doubleValue: 'Infinity' } },
              { key: 'ninf', value: { doubleValue: '-Infinity' } },
              { key: 'str', value: { doubleValue: '2.5' } },
              { key: 'std', value: { bytesValue: '+/8=' } },
              { key: 'url', value: { bytesValue: '-_8' } },
              { key: 'empty', value: {} },
              { key: 'null', value: null },
            ],
          },
        ]),
      ).batch,
    );
    expect(s.attributes).toEqual([
      { key: 'nan', value: NaN },
      { key: 'inf', value: Infinity },
      { key: 'ninf', value: -Infinity },
      { key: 'str', value: 2.5 },
      { key: 'std', value: new Uint8Array([0xfb, 0xff]) },
      { key: 'url', value: new Uint8Array([0xfb, 0xff]) },
      { key: 'empty', value: null },
      { key: 'null', value: null },
    ]);
  });

  it('ignores unknown fields at every level', () => {
    const u = { futureField: { nested: [1, 'x'] }, another_one: 5 };
    const json = {
      ...u,
      resourceSpans: [
        {
          ...u,
          resource: { ...u, attributes: [{ ...u, key: 'k', value: { ...u, stringValue: 'v' } }] },
          scopeSpans: [{ ...u, scope: { ...u, name: 'n' }, spans: [{ ...u, traceId: TRACE, spanId: SPAN, status: { ...u, code: 1 }, events: [{ ...u, name: 'e' }] }] }],
        },
      ],
    };
    const { batch, rejected } = decodeSpans(json);
    expect(rejected).toBe(0);
    const [s] = spansOf(batch);
    expect(s.resource.attributes).toEqual([{ key: 'k', value: 'v' }]);
    expect(s.status.code).toBe(1);
    expect(s.events[0].name).toBe('e');
  });

  it('accepts a UTF-8 byte order mark before the JSON text', () => {
    const text = '\uFEFF' + JSON.stringify(traceJson([{ traceId: TRACE, spanId: SPAN, name: 'ü' }]));
    expect(spansOf(decodeTraceRequest(body(text), 'json').batch)[0].name).toBe('ü');
  });

  it.each([
    ['invalid JSON', '{"resourceSpans": ['],
    ['an empty body', ''],
    ['a top-level array', '[]'],
    ['a top-level null', 'null'],
    ['a top-level number', '42'],
    ['a top-level string', '"resourceSpans"'],
    ['resourceSpans that is not an array', { resourceSpans: {} }],
    ['a ResourceSpans that is not an object', { resourceSpans: [5] }],
    ['spans that is not an array', { resourceSpans: [{ scopeSpans: [{ spans: 'no' }] }] }],
    ['a name that is not a string', traceJson([{ traceId: TRACE, spanId: SPAN, name: 5 }])],
    ['a time that is not an integer', traceJson([{ traceId: TRACE, spanId: SPAN, startTimeUnixNano: '1.5' }])],
    ['a time beyond 2^64', traceJson([{ traceId: TRACE, spanId: SPAN, endTimeUnixNano: '18446744073709551616' }])],
    ['a negative time', traceJson([{ traceId: TRACE, spanId: SPAN, endTimeUnixNano: -1 }])],
    ['an int64 beyond 2^63', traceJson([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }])],
    ['an unknown enum name', traceJson([{ traceId: TRACE, spanId: SPAN, kind: 'SPAN_KIND_SIDEWAYS' }])],
    ['a trace id that is not a string', traceJson([{ traceId: 12, spanId: SPAN }])],
    ['bytes that are not base64', traceJson([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'k', value: { bytesValue: '!!' } }] }])],
    ['a double that is not a number', traceJson([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'k', value: { doubleValue: 'lots' } }] }])],
    ['AnyValues nested 5000 deep', JSON.stringify(traceJson([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'k', value: '@' }] }])).replace('"@"', deepArray(5000))],
  ])('throws OtlpDecodeError for %s', (_what, json) => {
    expect(() => decodeTraceRequest(body(json), 'json')).toThrow(OtlpDecodeError);
    if (typeof json === 'string' && !json.includes('traceId')) expect(() => decodeLogsRequest(body(json), 'json')).toThrow(OtlpDecodeError);
  });
});

/** JSON text of an AnyValue array nested `depth` deep (as text: JSON.stringify would overflow). */
function deepArray(depth: number): string {
  return '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"bottom"}' + ']}}'.repeat(depth);
}
