import type { Attributes, Link } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { W3CTraceState } from '../../propagation/tracestate.js';
import { ProtoWriter } from './proto-writer.js';
import type { ScopeBatch } from './span-encoding.js';
import { appendSpan, encodeRequest, encodeResource, encodeScope } from './span-encoding.js';

// Oracle: the generated protobufjs decoder of OpenTelemetry JS 0.57 (from the .proto files),
// reading both our bytes and the official 0.301 serializer's bytes for the same SDK spans.
const require = createRequire(import.meta.url);
type Pb = Record<string, unknown>;
const ExportTraceServiceRequest = (
  require('otlp-transformer-057/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): Pb; toObject(m: Pb, o: object): Pb } } } } } };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function decode(bytes: Uint8Array): Pb {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), { longs: String, bytes: String, defaults: false });
}

/** Drops proto3 default values (0, '', false, empty lists and messages), which both encodings may or may not write. */
function normal(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(normal);
    return out.length === 0 ? undefined : out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normal(x);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (v === 0 || v === '0' || v === '' || v === false) return undefined;
  return v;
}

/** Field 16 (fixed32) of every span, walking request -> resource_spans -> scope_spans -> spans. */
function spanFlags(bytes: Buffer): number[] {
  const fields = (buf: Buffer): Array<[number, Buffer | number]> => {
    const out: Array<[number, Buffer | number]> = [];
    let p = 0;
    const varint = () => {
      let v = 0;
      for (let shift = 0; ; shift += 7) {
        const b = buf[p++];
        v += (b & 127) * 2 ** shift;
        if (b < 128) return v;
      }
    };
    while (p < buf.length) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 0) out.push([tag >>> 3, varint()]);
      else if (wire === 1 || wire === 5) {
        out.push([tag >>> 3, buf.readUInt32LE(p)]);
        p += wire === 1 ? 8 : 4;
      } else {
        const len = varint();
        out.push([tag >>> 3, buf.subarray(p, p + len)]);
        p += len;
      }
    }
    return out;
  };
  const flags: number[] = [];
  for (const [, rs] of fields(bytes)) {
    for (const [f, ss] of fields(rs as Buffer)) {
      if (f !== 2) continue;
      for (const [g, span] of fields(ss as Buffer)) if (g === 2) for (const [h, v] of fields(span as Buffer)) if (h === 16) flags.push(v as number);
    }
  }
  return flags;
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const resource = resourceFromAttributes({ 'service.name': 'encoder-test', 'host.name': 'h', 'process.pid': 1234, 'list': ['a', 'b'] });

function makeSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    spanLimits: { attributeCountLimit: 40, eventCountLimit: 2, linkCountLimit: 2 },
  });
  const tracer = provider.getTracer('encoder-test-scope', '1.2.3');
  const other = provider.getTracer('second-scope');
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    traceFlags: 3,
    isRemote: true,
    traceState: new W3CTraceState([['ot', 'th:0'], ['vendor', 'x']]),
  });
  const attributes: Attributes = {
    'http.request.method': 'GET',
    unicode: 'grüße 🚀 ∑',
    'ascii.then.é': 'v',
    ascii: 'then é',
    ['k'.repeat(60)]: 'v'.repeat(60),
    ['k'.repeat(61)]: 'v'.repeat(60),
    emptyString: '',
    zero: 0,
    int127: 127,
    int128: 128,
    below31: 2 ** 31 - 1,
    at31: 2 ** 31,
    long: 'l'.repeat(300),
    huge: 'h'.repeat(20_000),
    small: 7,
    negative: -42,
    big: 2 ** 40 + 3,
    minSafe: Number.MIN_SAFE_INTEGER,
    double: 3.25,
    nan: Number.NaN,
    yes: true,
    no: false,
    strings: ['a', 'ü', ''],
    numbers: [1, -2, 2.5],
    bools: [true, false],
    empty: [],
  };
  const server = tracer.startSpan('GET /bands/:id', { kind: SpanKind.SERVER, attributes }, remote);
  const links: Link[] = [
    { context: { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceFlags: 1, isRemote: true }, attributes: { why: 'batch' } },
    { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 0 } },
    { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0 } }, // over the limit: dropped
  ];
  const child = tracer.startSpan('SELECT', { kind: SpanKind.CLIENT, links }, trace.setSpan(ROOT_CONTEXT, server));
  child.addEvent('first', { n: 1 });
  child.addEvent('second');
  child.addEvent('third'); // over the limit: the oldest is dropped
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom ✗' });
  child.end();
  for (let i = 0; i < 50; i++) server.setAttribute(`extra.${i}`, i); // over the 40-attribute limit
  server.setStatus({ code: SpanStatusCode.OK });
  server.end();
  const internal = other.startSpan('work');
  internal.end();
  return exporter.getFinishedSpans();
}

function ours(spans: ReadableSpan[]): Buffer {
  const batches = new Map<unknown, ScopeBatch>();
  for (const span of spans) {
    let b = batches.get(span.instrumentationScope);
    if (!b) {
      b = { resource: span.resource, scope: span.instrumentationScope, spans: new ProtoWriter(64) };
      batches.set(span.instrumentationScope, b);
    }
    appendSpan(b.spans, span);
  }
  return encodeRequest(batches.values(), { resource: encodeResource, scope: encodeScope });
}

describe('OTLP span encoding', () => {
  it('decodes to the same request as the official serializer', () => {
    const spans = makeSpans();
    expect(spans.map((s) => s.name)).toEqual(['SELECT', 'GET /bands/:id', 'work']);
    expect(spans[1].droppedAttributesCount).toBeGreaterThan(0);
    const official = ProtobufTraceSerializer.serializeRequest(spans)!;
    const mine = normal(decode(ours(spans))) as Pb;
    const theirs = normal(decode(official)) as Pb;
    // Scope groups may come in another order; compare them keyed by scope name.
    const byScope = (req: Pb) =>
      Object.fromEntries(
        ((req.resourceSpans as Pb[])[0].scopeSpans as Pb[]).map((ss) => [(ss.scope as Pb).name, ss]),
      );
    expect((mine.resourceSpans as Pb[]).length).toBe(1);
    expect((mine.resourceSpans as Pb[])[0].resource).toEqual((theirs.resourceSpans as Pb[])[0].resource);
    expect(byScope(mine)).toEqual(byScope(theirs));
  });

  it('writes ids, times, kinds, flags and values as the proto says', () => {
    const spans = makeSpans();
    const req = decode(ours(spans));
    const scopeSpans = ((req.resourceSpans as Pb[])[0].scopeSpans as Pb[]).find((s) => (s.scope as Pb).name === 'encoder-test-scope')!;
    expect(scopeSpans.scope).toEqual({ name: 'encoder-test-scope', version: '1.2.3' });
    const [client, server] = scopeSpans.spans as Pb[];
    expect(Buffer.from(server.traceId as string, 'base64').toString('hex')).toBe(TRACE);
    expect(Buffer.from(server.parentSpanId as string, 'base64').toString('hex')).toBe('b7ad6b7169203331');
    expect(server.traceState).toBe('ot=th:0,vendor=x');
    expect(server.kind).toBe(2); // SPAN_KIND_SERVER
    expect(client.kind).toBe(3); // SPAN_KIND_CLIENT
    // W3C flags, plus "parent is remote" known (0x100) and set (0x200) for the server span
    // (field 16 is newer than the oracle's proto: read from the wire, in end order).
    expect(spanFlags(ours(spans))).toEqual([0x101, 0x301, 0x101]);
    expect(spanFlags(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)).sort((a, b) => a - b)).toEqual([0x101, 0x101, 0x301]);
    const start = spans[1].startTime;
    expect(server.startTimeUnixNano).toBe((BigInt(start[0]) * 1_000_000_000n + BigInt(start[1])).toString());
    const attr = (name: string) => ((server.attributes as Pb[]).find((a) => a.key === name)!.value as Pb);
    expect(attr('negative').intValue).toBe('-42');
    // The one-pass short KeyValue path and its limits.
    expect(attr('int127').intValue).toBe('127');
    expect(attr('int128').intValue).toBe('128');
    expect(attr('below31').intValue).toBe('2147483647');
    expect(attr('at31').intValue).toBe('2147483648');
    expect(attr('k'.repeat(60)).stringValue).toBe('v'.repeat(60));
    expect(attr('k'.repeat(61)).stringValue).toBe('v'.repeat(60));
    expect(attr('ascii').stringValue).toBe('then é');
    expect(attr('ascii.then.é').stringValue).toBe('v');
    expect(attr('big').intValue).toBe(String(2 ** 40 + 3));
    expect(attr('minSafe').intValue).toBe(String(Number.MIN_SAFE_INTEGER));
    expect(attr('double').doubleValue).toBe(3.25);
    expect(attr('unicode').stringValue).toBe('grüße 🚀 ∑');
    expect((attr('huge').stringValue as string).length).toBe(20_000);
    expect(client.status).toEqual({ code: 2, message: 'boom ✗' });
    expect(client.droppedEventsCount).toBe(1);
    expect(client.droppedLinksCount).toBe(1);
  });
});

describe('ProtoWriter', () => {
  it('writes a short KeyValue in one pass byte for byte as the nested writer does', () => {
    const nested = (key: string, value: string | number): Buffer => {
      const w = new ProtoWriter(16);
      w.tag(9, 2);
      const kv = w.begin();
      w.tag(1, 2);
      w.string(key);
      w.tag(2, 2);
      const v = w.begin();
      if (typeof value === 'string') {
        w.tag(1, 2);
        w.string(value);
      } else {
        w.tag(3, 0);
        w.int64(value);
      }
      w.end(v);
      w.end(kv);
      return Buffer.from(w.view());
    };
    const values = ['', 'GET', 'v'.repeat(115), 0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 2 ** 31 - 1];
    for (const value of values) {
      const w = new ProtoWriter(16);
      expect(w.shortKeyValue(9, 'k.e.y', value)).toBe(true);
      expect(Buffer.from(w.view()).toString('hex')).toBe(nested('k.e.y', value).toString('hex'));
    }
    for (const [key, value] of [['k', 'v'.repeat(120)], ['é', 'v'], ['k', 'é'], ['k', -1], ['k', 2 ** 31], ['k', 1.5]] as const) {
      const w = new ProtoWriter(16);
      expect(w.shortKeyValue(9, key, value)).toBe(false);
      expect(w.pos).toBe(0);
    }
  });

  it('writes hrtime as exact nanoseconds, also far from now', () => {
    const w = new ProtoWriter(8);
    const cases: Array<[number, number]> = [
      [0, 0],
      [1, 999_999_999],
      [1_700_000_000, 123_456_789],
      [4_294_967_295, 999_999_999],
      [65_535, 1],
      [65_536, 0],
    ];
    for (const t of cases) w.hrTime(t);
    const buf = w.view();
    cases.forEach(([s, n], i) => expect(buf.readBigUInt64LE(i * 8)).toBe(BigInt(s) * 1_000_000_000n + BigInt(n)));
  });

  it('grows its buffer and moves long messages to make room for their length', () => {
    const w = new ProtoWriter(4);
    for (const size of [0, 127, 128, 16_383, 16_384, 70_000]) {
      w.reset();
      w.tag(1, 2);
      const m = w.begin();
      w.raw(new Uint8Array(size).fill(7));
      w.end(m);
      const out = w.view();
      // Read back: tag, varint length, payload.
      let p = 1;
      let len = 0;
      for (let shift = 0; ; shift += 7) {
        const b = out[p++];
        len += (b & 127) * 2 ** shift;
        if (b < 128) break;
      }
      expect(len).toBe(size);
      expect(out.length).toBe(p + size);
      expect(out.subarray(p).every((b) => b === 7)).toBe(true);
    }
  });
});
