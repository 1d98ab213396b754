import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { logsOf, spansOf, TracelightError } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { decodeLogsRequest, decodeTraceRequest } from './decode.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { sdkLogRecords, sdkSpans } from './test-helpers/sdk-fixtures.js';
import {
  cat,
  double,
  fixed32,
  fixed64,
  id,
  len,
  logsRequest,
  prng,
  raw,
  str,
  tag,
  traceRequest,
  unknownFields,
  varint,
  vint,
} from './test-helpers/proto-bytes.js';

/** A Span body: ids, name, and whatever else is passed. */
function spanBody(traceId: Uint8Array | null, spanId: Uint8Array | null, name: string, ...rest: Uint8Array[]): Uint8Array {
  return cat(traceId ? len(1, traceId) : raw(), spanId ? len(2, spanId) : raw(), str(5, name), ...rest);
}

/**
 * Decodes, and reports anything thrown that is not an OtlpDecodeError as a failure. The public
 * functions wrap any stray exception into an OtlpDecodeError (with it as `cause`); the protobuf
 * decoder must not need that safety net, so a `cause` fails the test too.
 */
function outcome(decode: () => unknown): 'ok' | 'OtlpDecodeError' {
  try {
    decode();
    return 'ok';
  } catch (err) {
    if (err instanceof OtlpDecodeError && err.cause === undefined) return 'OtlpDecodeError';
    throw err;
  }
}

const traceBody = ProtobufTraceSerializer.serializeRequest(sdkSpans({ nonFiniteDoubles: true }))!;
const logsBody = ProtobufLogsSerializer.serializeRequest(sdkLogRecords())!;

describe('protobuf decoding', () => {
  it('decodes an empty body as an empty request', () => {
    const spans = decodeTraceRequest(new Uint8Array(0), 'protobuf');
    expect(spans).toEqual({ batch: expect.objectContaining({ length: 0 }), rejected: 0, errorMessage: '' });
    expect(decodeLogsRequest(new Uint8Array(0), 'protobuf').batch.length).toBe(0);
  });

  it('leaves out invalid spans, counts them, and keeps the valid ones intact', () => {
    const body = traceRequest([
      spanBody(id(16, 1), id(8, 1), 'valid root'),
      spanBody(id(15), id(8), 'short trace id'),
      spanBody(id(16, 0), id(8), 'zero trace id'),
      spanBody(null, id(8), 'no trace id'),
      spanBody(id(16), id(9), 'long span id'),
      spanBody(id(16), id(8, 0), 'zero span id', len(4, id(8))),
      spanBody(id(16), id(8), 'short parent', len(4, id(4))),
      spanBody(id(16, 2), id(8, 2), 'valid child', len(4, id(8, 1)), fixed64(7, 5n), vint(6, 2)),
      spanBody(id(16, 3), id(8, 3), 'valid, empty parent', len(4)),
    ]);
    const { batch, rejected, errorMessage } = decodeTraceRequest(body, 'protobuf');
    expect(rejected).toBe(6);
    expect(errorMessage).toBe(
      '6 spans rejected: 3 with trace_id not 16 bytes or all zero; 2 with span_id not 8 bytes or all zero; 1 with parent_span_id neither empty nor 8 bytes',
    );
    const spans = spansOf(batch);
    expect(spans.map((s) => [s.name, s.spanId, s.parentSpanId])).toEqual([
      ['valid root', '0101010101010101', ''],
      ['valid child', '0202020202020202', '0101010101010101'],
      ['valid, empty parent', '0303030303030303', ''],
    ]);
    expect(spans[1].startTimeUnixNano).toBe(5n);
    expect(spans[1].kind).toBe(2);
    expect(spans[2].startTimeUnixNano).toBe(0n);
    expect(spans[2].kind).toBe(0);
  });

  it('words a single rejection without counts per reason', () => {
    const { rejected, errorMessage } = decodeTraceRequest(traceRequest([spanBody(id(16), id(7), 'x')]), 'protobuf');
    expect(rejected).toBe(1);
    expect(errorMessage).toBe('1 span rejected: span_id not 8 bytes or all zero');
  });

  it('drops links with invalid ids and counts them as dropped links', () => {
    const link = (traceId: Uint8Array, spanId: Uint8Array) => len(13, len(1, traceId), len(2, spanId), str(3, 'k=v'), fixed32(6, 0x101));
    const body = traceRequest([
      spanBody(id(16), id(8), 'linked', link(id(16, 7), id(8, 7)), link(id(15), id(8)), link(id(16), id(8, 0)), link(id(16, 0), id(8)), vint(14, 2)),
    ]);
    const { batch, rejected } = decodeTraceRequest(body, 'protobuf');
    expect(rejected).toBe(0);
    const [s] = spansOf(batch);
    expect(s.links).toEqual([
      { traceId: '07'.repeat(16), spanId: '07'.repeat(8), traceState: 'k=v', attributes: [], droppedAttributesCount: 0, flags: 0x101 },
    ]);
    expect(s.droppedLinksCount).toBe(5);
  });

  it('reads int64 attributes as plain varints: negative, beyond 2^53, 10-byte', () => {
    const kv = (key: string, value: Uint8Array) => len(9, str(1, key), len(2, value));
    const body = traceRequest([
      spanBody(
        id(16),
        id(8),
        's',
        kv('neg', vint(3, BigInt.asUintN(64, -1n))),
        kv('min', vint(3, BigInt.asUintN(64, -(2n ** 63n)))),
        kv('max', vint(3, 2n ** 63n - 1n)),
        kv('big', vint(3, 2n ** 53n + 1n)),
        kv('small', vint(3, 300)),
        kv('double', double(4, -0.5)),
        kv('bool', vint(2, 1)),
        kv('bool-long', cat(tag(2, 0), raw(0x80, 0x80, 0x01))),
        kv('empty', raw()),
        kv('last-wins', cat(str(1, 'first'), vint(3, 7))),
      ),
    ]);
    const [s] = spansOf(decodeTraceRequest(body, 'protobuf').batch);
    expect(s.attributes).toEqual([
      { key: 'neg', value: -1n },
      { key: 'min', value: -(2n ** 63n) },
      { key: 'max', value: 2n ** 63n - 1n },
      { key: 'big', value: 2n ** 53n + 1n },
      { key: 'small', value: 300n },
      { key: 'double', value: -0.5 },
      { key: 'bool', value: true },
      { key: 'bool-long', value: true },
      { key: 'empty', value: null },
      { key: 'last-wins', value: 7n },
    ]);
  });

  it('maps schema_url of ResourceSpans and ScopeSpans, wherever they come in the message', () => {
    const body = len(
      1,
      str(3, 'https://resource.schema'),
      len(2, len(2, spanBody(id(16), id(8), 'a')), str(3, 'https://scope.schema'), len(1, str(1, 'late scope'), str(2, 'v9'))),
      len(1, len(1, str(1, 'service.name'), len(2, str(1, 'svc')))),
    );
    const { batch } = decodeTraceRequest(body, 'protobuf');
    expect(batch.resources).toEqual([{ attributes: [{ key: 'service.name', value: 'svc' }], droppedAttributesCount: 0, schemaUrl: 'https://resource.schema' }]);
    expect(batch.scopes).toEqual([{ name: 'late scope', version: 'v9', attributes: [], droppedAttributesCount: 0, schemaUrl: 'https://scope.schema' }]);
  });

  it('keeps no resource or scope entries without spans', () => {
    const body = cat(
      len(1, len(1, len(1, str(1, 'k'), len(2, str(1, 'unused')))), len(2, len(1, str(1, 'empty scope')))),
      traceRequest([spanBody(id(16), id(8), 'a')]),
      len(1, len(2, len(2, spanBody(id(16, 0), id(8), 'rejected')))),
    );
    const { batch, rejected } = decodeTraceRequest(body, 'protobuf');
    expect(rejected).toBe(1);
    expect(batch.length).toBe(1);
    expect(batch.resources).toHaveLength(1);
    expect(batch.scopes).toEqual([expect.objectContaining({ name: 'scope' })]);
    expect(batch.resourceIndex[0]).toBe(0);
    expect(batch.scopeIndex[0]).toBe(0);
  });

  it('skips unknown fields of every wire type at every level', () => {
    const build = (u: Uint8Array) => {
      const kv = len(9, u, str(1, 'k'), u, len(2, u, len(5, u, len(1, u, str(1, 'in array'), u), u), u));
      const event = len(11, u, fixed64(1, 9n), u, str(2, 'ev'), u, len(3, str(1, 'ek'), len(2, vint(2, 1))), u);
      const link = len(13, u, len(1, id(16, 4)), u, len(2, id(8, 4)), u);
      const status = len(15, u, vint(3, 2), u, str(2, 'bad'), u);
      const span = spanBody(id(16), id(8), 'with unknowns', u, kv, u, event, link, status, u);
      const resource = cat(u, len(1, str(1, 'service.name'), u, len(2, str(1, 'svc'), u)), u);
      return cat(u, len(1, u, len(1, resource), u, len(2, u, len(1, u, str(1, 'scope'), u), u, len(2, span), u), u), u);
    };
    const withUnknowns = decodeTraceRequest(build(unknownFields()), 'protobuf');
    const without = decodeTraceRequest(build(new Uint8Array(0)), 'protobuf');
    expect(withUnknowns.batch.length).toBe(1);
    expect(spansOf(withUnknowns.batch)).toEqual(spansOf(without.batch));
    const [s] = spansOf(without.batch);
    expect(s.attributes).toEqual([{ key: 'k', value: ['in array'] }]);
    expect(s.events).toEqual([{ timeUnixNano: 9n, name: 'ev', attributes: [{ key: 'ek', value: true }], droppedAttributesCount: 0 }]);
    expect(s.status).toEqual({ code: 2, message: 'bad' });
    expect(s.links).toHaveLength(1);
    expect(s.resource.attributes).toEqual([{ key: 'service.name', value: 'svc' }]);
  });

  it('skips known fields that arrive with the wrong wire type', () => {
    const body = traceRequest([
      cat(
        vint(1, 5), // trace_id as a varint: skipped…
        len(1, id(16)), // …then the real one
        len(2, id(8)),
        fixed32(5, 1), // name as fixed32
        len(6, raw(1, 2)), // kind as bytes
        vint(7, 99), // start time as varint
        fixed64(10, 1n), // dropped_attributes_count as fixed64
        vint(16, 3), // flags as varint
      ),
    ]);
    const { batch, rejected } = decodeTraceRequest(body, 'protobuf');
    expect(rejected).toBe(0);
    const [s] = spansOf(batch);
    expect([s.name, s.kind, s.startTimeUnixNano, s.droppedAttributesCount, s.flags]).toEqual(['', 0, 0n, 0, 0]);
    // Enum values past a byte read as 0 (unspecified) instead of wrapping around.
    const big = spansOf(decodeTraceRequest(traceRequest([cat(len(1, id(16)), len(2, id(8)), vint(6, 258), len(15, vint(3, BigInt.asUintN(64, -1n))))]), 'protobuf').batch)[0];
    expect([big.kind, big.status.code]).toEqual([0, 0]);
    // A span id sent as a varint does not count as a span id.
    expect(decodeTraceRequest(traceRequest([cat(len(1, id(16)), vint(2, 8))]), 'protobuf').rejected).toBe(1);
  });

  it.each([
    ['wire type 6', cat(tag(1, 6), raw(0))],
    ['wire type 7', cat(tag(9, 7), raw(0))],
    ['field number 0', cat(raw(0x02, 0x00))],
    ['an unterminated group', cat(tag(5, 3), vint(1, 1))],
    ['a mismatched end group', cat(tag(5, 3), tag(6, 4))],
    ['a stray end group', tag(5, 4)],
    ['a varint longer than 10 bytes', cat(tag(5, 0), raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))],
    ['a length past the end', cat(tag(1, 2), varint(100), raw(1, 2, 3))],
    ['a fixed64 past the end', cat(tag(5, 1), raw(1, 2, 3))],
    ['a nested message longer than its parent', cat(tag(1, 2), varint(3), tag(2, 2), varint(10), raw(...new Array<number>(20).fill(0)))],
    ['a span field longer than its span', traceRequest([cat(len(1, id(16)), tag(5, 2), varint(50))]).subarray(0)],
    ['groups nested 10000 deep', cat(...Array.from({ length: 10_000 }, () => tag(7, 3)))],
  ])('throws OtlpDecodeError for %s', (_what, body) => {
    for (const decode of [decodeTraceRequest, decodeLogsRequest]) {
      let error: unknown;
      try {
        decode(body, 'protobuf');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect(error).toBeInstanceOf(TracelightError);
      expect(error).toMatchObject({ code: 'OTLP_DECODE', retryable: false });
      expect((error as Error).cause).toBeUndefined();
    }
  });

  it('refuses AnyValues nested deeper than 100 levels instead of overflowing the stack', () => {
    let value = str(1, 'bottom');
    for (let i = 0; i < 5000; i++) value = len(5, len(1, value));
    const body = traceRequest([spanBody(id(16), id(8), 's', len(9, str(1, 'deep'), len(2, value)))]);
    expect(outcome(() => decodeTraceRequest(body, 'protobuf'))).toBe('OtlpDecodeError');
    let ok = str(1, 'bottom');
    for (let i = 0; i < 40; i++) ok = len(5, len(1, ok));
    expect(decodeTraceRequest(traceRequest([spanBody(id(16), id(8), 's', len(9, str(1, 'deep'), len(2, ok)))]), 'protobuf').batch.length).toBe(1);
  });

  it('never throws anything but OtlpDecodeError for a message truncated at any byte', () => {
    for (const [body, decode] of [
      [traceBody, decodeTraceRequest],
      [logsBody, decodeLogsRequest],
    ] as const) {
      let failures = 0;
      for (let k = 0; k < body.length; k++) if (outcome(() => decode(body.subarray(0, k), 'protobuf')) !== 'ok') failures++;
      // Only cuts between two top-level Resource{Spans,Logs} decode; every other cut is an error.
      expect(failures).toBeGreaterThanOrEqual(body.length - 2);
      expect(outcome(() => decode(body, 'protobuf'))).toBe('ok');
    }
  });

  it('never throws anything but OtlpDecodeError for a message with any byte corrupted', () => {
    for (const [body, decode] of [
      [traceBody, decodeTraceRequest],
      [logsBody, decodeLogsRequest],
    ] as const) {
      const counts = { ok: 0, OtlpDecodeError: 0 };
      for (let k = 0; k < body.length; k++) {
        for (const flip of [0xff, 0x80, 0x01]) {
          const copy = body.slice();
          copy[k] ^= flip;
          counts[outcome(() => decode(copy, 'protobuf'))]++;
        }
      }
      expect(counts.OtlpDecodeError).toBeGreaterThan(0);
      expect(counts.ok).toBeGreaterThan(0);
    }
  });

  it('never throws anything but OtlpDecodeError for random bytes, and always finishes', () => {
    const random = prng(42);
    let errors = 0;
    for (let n = 0; n < 3000; n++) {
      const body = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
      // Bias some inputs towards plausible starts so the decoder gets past the first field.
      if (n % 3 === 0 && body.length > 2) body[0] = 0x0a;
      for (const decode of [decodeTraceRequest, decodeLogsRequest]) if (outcome(() => decode(body, 'protobuf')) !== 'ok') errors++;
    }
    expect(errors).toBeGreaterThan(3000);
  });
});

describe('protobuf log decoding', () => {
  it('leaves out records whose ids are neither empty nor the right length', () => {
    const body = logsRequest([
      cat(fixed64(1, 1n), str(3, 'no ids')),
      cat(fixed64(1, 2n), len(9, id(16, 5)), len(10, id(8, 6)), str(12, 'event.name')),
      cat(fixed64(1, 3n), len(9, id(8))),
      cat(fixed64(1, 4n), len(10, id(16))),
      cat(fixed64(1, 5n), len(9), len(10)),
    ]);
    const { batch, rejected, errorMessage } = decodeLogsRequest(body, 'protobuf');
    expect(rejected).toBe(2);
    expect(errorMessage).toBe('2 log records rejected: 1 with trace_id neither empty nor 16 bytes; 1 with span_id neither empty nor 8 bytes');
    expect(logsOf(batch).map((r) => [r.timeUnixNano, r.traceId, r.spanId, r.eventName])).toEqual([
      [1n, '', '', ''],
      [2n, '05'.repeat(16), '06'.repeat(8), 'event.name'],
      [5n, '', '', ''],
    ]);
  });

  it('reads every LogRecord field, including event_name and a body of any type', () => {
    const body = logsRequest([
      cat(
        fixed64(1, 1_700_000_000_123_456_789n),
        vint(2, 17),
        str(3, 'ERROR'),
        len(5, len(6, len(1, str(1, 'k'), len(2, len(5, len(1, vint(3, 1)), len(1, str(1, 'two'))))))),
        len(6, str(1, 'a'), len(2, len(7, raw(1, 2)))),
        vint(7, 3),
        fixed32(8, 1),
        fixed64(11, 1_700_000_000_223_456_789n),
        str(12, 'checkout.done'),
        unknownFields(),
      ),
    ]);
    const [r] = logsOf(decodeLogsRequest(body, 'protobuf').batch);
    expect(r).toMatchObject({
      timeUnixNano: 1_700_000_000_123_456_789n,
      observedTimeUnixNano: 1_700_000_000_223_456_789n,
      severityNumber: 17,
      severityText: 'ERROR',
      body: { kvlist: [{ key: 'k', value: [1n, 'two'] }] },
      attributes: [{ key: 'a', value: new Uint8Array([1, 2]) }],
      droppedAttributesCount: 3,
      flags: 1,
      eventName: 'checkout.done',
    });
  });
});
