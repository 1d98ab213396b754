// Decode benchmark: OTLP ExportTraceServiceRequest bytes → spans, in one process.
//
// One realistic 512-span batch (resource with 9 attributes; per span 10-15 attributes of mixed
// types, 1-3 events, a link on every tenth span, 16-byte trace ids), serialized once by the
// OTel JS 0.301 serializers (protobuf and OTLP/JSON), then decoded over and over by:
//   - ours (protobuf):   @tracelight/otlp decodeTraceRequest(bytes, 'protobuf') → SpanBatch
//   - ours (JSON):       @tracelight/otlp decodeTraceRequest(bytes, 'json')     → SpanBatch
//   - protobufjs:        the generated code shipped in @opentelemetry/otlp-transformer 0.57
//   - protobufjs + rows: the same, then what a naive consumer does next: Long times → BigInt,
//                        ids → hex, attributes → a JSON string per span
// Target: ours (protobuf) >= 2x protobufjs + rows.
//
//   npx tsc -b packages/otlp && node bench/decode.ts [--rounds 7] [--seconds 1] [--spans 512] [--write-batch DIR]
//
// (Node runs this file by stripping its types; @tracelight/otlp resolves to the built dist.)
// Candidates take turns within each round, so background load spreads over all of them; the
// median round is reported. Writes bench/results/decode.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { spansOf } from '@tracelight/core';
import { decodeTraceRequest } from '@tracelight/otlp';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_RATIO = 2;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '1' },
    spans: { type: 'string', default: '512' },
    // Writes the request bodies (batch.pb, batch.json) there, for profiling a decoder alone.
    'write-batch': { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS_PER_TURN = Number(values.seconds);
const SPANS = Number(values.spans);

// ---------------------------------------------------------------------------------------------
// The batch (deterministic).

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20_261_121);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const hex = (bytes: number) => Array.from({ length: bytes }, () => int(0, 255).toString(16).padStart(2, '0')).join('');

const resource = resourceFromAttributes({
  'service.name': 'checkout-service',
  'service.version': '2.14.3',
  'service.instance.id': '627cc493-f310-47de-96bd-71410b7dec09',
  'deployment.environment.name': 'production',
  'host.name': 'ip-10-0-12-34.eu-west-1.compute.internal',
  'host.arch': 'amd64',
  'process.pid': 48213,
  'process.runtime.version': '24.11.1',
  'telemetry.sdk.language': 'nodejs',
});
const scopes = [
  { name: '@opentelemetry/instrumentation-http', version: '0.208.0' },
  { name: '@opentelemetry/instrumentation-pg', version: '0.60.0' },
  { name: 'checkout', version: '2.14.3' },
];
const routes = ['/api/cart/:id', '/api/checkout', '/api/items/:sku', '/api/users/:id/orders', '/healthz'];
const statements = [
  'SELECT id, sku, quantity, price_cents FROM cart_items WHERE cart_id = $1 ORDER BY created_at',
  'UPDATE orders SET status = $1, updated_at = now() WHERE id = $2 RETURNING id, status',
  'INSERT INTO payments (order_id, amount_cents, currency, provider) VALUES ($1, $2, $3, $4)',
];
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const stack =
  'Error: connection reset by peer\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)\n' +
  '    at PaymentClient.charge (/app/dist/payments/client.js:88:23)\n    at async Checkout.submit (/app/dist/checkout/service.js:142:9)';

function spanAttributes(kind: number): Attributes {
  const all: Attributes = {
    'http.request.method': pick(['GET', 'POST', 'PUT']),
    'http.route': pick(routes),
    'url.path': `/api/items/${int(1000, 99999)}`,
    'url.scheme': 'https',
    'http.response.status_code': pick([200, 200, 200, 201, 404, 500]),
    'server.address': 'checkout.internal',
    'server.port': 8443,
    'network.protocol.version': '1.1',
    'user_agent.original': userAgent,
    'client.address': `10.0.${int(0, 255)}.${int(0, 255)}`,
    'db.system.name': 'postgresql',
    'db.query.text': pick(statements),
    'db.response.returned_rows': int(0, 500),
    'app.cart.items': int(1, 12),
    'app.cart.total': Math.round(random() * 100_000) / 100,
    'app.feature.new_checkout': random() < 0.5,
    'thread.id': int(1, 64),
    'code.function.name': pick(['submit', 'charge', 'reserveStock', 'loadCart']),
  };
  const keys = Object.keys(all);
  const n = int(10, 15);
  const start = kind === SpanKind.CLIENT ? 8 : 0; // client spans lean to the db attributes
  const out: Attributes = {};
  for (let k = 0; k < n; k++) out[keys[(start + k) % keys.length]] = all[keys[(start + k) % keys.length]];
  return out;
}

function hrAt(ns: bigint): HrTime {
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

function buildSpans(count: number): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  let traceId = hex(16);
  let parent = '';
  let t = 1_763_700_000_000_000_000n + BigInt(int(0, 1e9));
  for (let i = 0; i < count; i++) {
    if (i % 16 === 0) {
      traceId = hex(16);
      parent = '';
    }
    const spanId = hex(8);
    const kind = i % 16 === 0 ? SpanKind.SERVER : pick([SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.CLIENT]);
    const start = t;
    const end = start + BigInt(int(50_000, 80_000_000));
    t += BigInt(int(1_000, 5_000_000));
    const events: TimedEvent[] = [];
    for (let e = int(1, 3); e > 0; e--) {
      events.push(
        random() < 0.2
          ? { name: 'exception', time: hrAt(start + 1000n), attributes: { 'exception.type': 'Error', 'exception.message': 'connection reset by peer', 'exception.stacktrace': stack } }
          : { name: pick(['cache.miss', 'retry', 'validated']), time: hrAt(start + BigInt(int(1, 40_000))), attributes: { 'attempt': int(1, 3), 'cache.key': `cart:${int(1, 1e6)}` } },
      );
    }
    const links: Link[] = i % 10 === 5 ? [{ context: { traceId: hex(16), spanId: hex(8), traceFlags: 1 }, attributes: { 'messaging.operation': 'receive' } }] : [];
    const context: SpanContext = { traceId, spanId, traceFlags: 1 };
    const parentContext: SpanContext | undefined = parent ? { traceId, spanId: parent, traceFlags: 1 } : undefined;
    spans.push({
      name: kind === SpanKind.SERVER ? `GET ${pick(routes)}` : pick(['SELECT checkout', 'charge', 'reserveStock', 'loadCart']),
      kind,
      spanContext: () => context,
      parentSpanContext: parentContext,
      startTime: hrAt(start),
      endTime: hrAt(end),
      status: random() < 0.1 ? { code: SpanStatusCode.ERROR, message: 'connection reset by peer' } : { code: SpanStatusCode.UNSET },
      attributes: spanAttributes(kind),
      links,
      events,
      duration: hrAt(end - start),
      ended: true,
      resource,
      instrumentationScope: kind === SpanKind.SERVER ? scopes[0] : kind === SpanKind.CLIENT ? scopes[1] : scopes[2],
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
    if (i % 16 === 0) parent = spanId;
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// protobufjs (generated code from OTel JS 0.57) and the naive consumer.

interface Long {
  low: number;
  high: number;
  unsigned: boolean;
}
type Pb = Record<string, unknown>;
const require = createRequire(import.meta.url);
const pbRoot = require('otlp-transformer-057/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): Pb } } } } } };
};
const ExportTraceServiceRequest = pbRoot.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const longToBigInt = (v: Long | number): bigint =>
  typeof v === 'number' ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
const idHex = (b: Uint8Array | undefined) => (b && b.length > 0 ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex') : '');

function plainValue(v: Pb | null | undefined): unknown {
  if (!v) return null;
  if (v.stringValue != null) return v.stringValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.intValue != null) return longToBigInt(v.intValue as Long).toString();
  if (v.doubleValue != null) return v.doubleValue;
  if (v.bytesValue != null) return Buffer.from(v.bytesValue as Uint8Array).toString('base64');
  if (v.arrayValue != null) return ((v.arrayValue as Pb).values as Pb[]).map(plainValue);
  if (v.kvlistValue != null) return plainObject((v.kvlistValue as Pb).values as Pb[]);
  return null;
}

function plainObject(kvs: Pb[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs) o[kv.key as string] = plainValue(kv.value as Pb);
  return o;
}

/** What a consumer without a columnar model does with a decoded request: one row per span. */
function toRows(req: Pb): unknown[] {
  const rows: unknown[] = [];
  for (const rs of req.resourceSpans as Pb[]) {
    const resourceJson = JSON.stringify(plainObject(((rs.resource as Pb)?.attributes as Pb[]) ?? []));
    for (const ss of rs.scopeSpans as Pb[]) {
      const scope = ss.scope as Pb;
      for (const s of ss.spans as Pb[]) {
        const status = s.status as Pb | null;
        rows.push({
          traceId: idHex(s.traceId as Uint8Array),
          spanId: idHex(s.spanId as Uint8Array),
          parentSpanId: idHex(s.parentSpanId as Uint8Array),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: longToBigInt(s.startTimeUnixNano as Long),
          endTimeUnixNano: longToBigInt(s.endTimeUnixNano as Long),
          attributes: JSON.stringify(plainObject(s.attributes as Pb[])),
          events: (s.events as Pb[]).map((e) => ({
            timeUnixNano: longToBigInt(e.timeUnixNano as Long),
            name: e.name,
            attributes: JSON.stringify(plainObject(e.attributes as Pb[])),
          })),
          links: (s.links as Pb[]).map((l) => ({ traceId: idHex(l.traceId as Uint8Array), spanId: idHex(l.spanId as Uint8Array), attributes: JSON.stringify(plainObject(l.attributes as Pb[])) })),
          statusCode: status?.code ?? 0,
          statusMessage: status?.message ?? '',
          resource: resourceJson,
          scope: scope?.name,
        });
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Measurement.

interface Candidate {
  name: string;
  run: () => number; // returns the number of spans produced, checked against the batch size
}

const sdkSpans = buildSpans(SPANS);
// As a Node server receives them (node:http, grpc-js): in Buffers. protobufjs reads a Buffer with
// its BufferReader (native UTF-8 decoding), which is its fast path.
const protoBytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(sdkSpans)!);
const jsonBytes = Buffer.from(JsonTraceSerializer.serializeRequest(sdkSpans)!);
if (values['write-batch']) {
  mkdirSync(values['write-batch'], { recursive: true });
  writeFileSync(join(values['write-batch'], 'batch.pb'), protoBytes);
  writeFileSync(join(values['write-batch'], 'batch.json'), jsonBytes);
}

const candidates: Candidate[] = [
  { name: 'ours (protobuf)', run: () => decodeTraceRequest(protoBytes, 'protobuf').batch.length },
  { name: 'ours (JSON)', run: () => decodeTraceRequest(jsonBytes, 'json').batch.length },
  {
    name: 'protobufjs decode',
    run: () => ((ExportTraceServiceRequest.decode(protoBytes).resourceSpans as Pb[]) ?? []).reduce((n, rs) => n + (rs.scopeSpans as Pb[]).reduce((m, ss) => m + (ss.spans as Pb[]).length, 0), 0),
  },
  { name: 'protobufjs decode + rows', run: () => toRows(ExportTraceServiceRequest.decode(protoBytes)).length },
];

// Sanity: every candidate sees every span, and ours decodes the batch the SDK meant to send.
for (const c of candidates) {
  const n = c.run();
  if (n !== SPANS) throw new Error(`${c.name} produced ${n} spans, expected ${SPANS}`);
}
const decoded = spansOf(decodeTraceRequest(protoBytes, 'protobuf').batch);
const firstSdk = sdkSpans[0];
if (decoded[0].spanId !== firstSdk.spanContext().spanId || decoded[0].attributes.length !== Object.keys(firstSdk.attributes).length) {
  throw new Error('ours decoded something else than the SDK serialized');
}

/**
 * Runs `c` repeatedly for about `seconds`. Returns spans per second of wall-clock time, and per
 * second of this process's CPU time (steadier when other work shares the machine).
 */
function turn(c: Candidate, seconds: number): { wall: number; cpu: number } {
  let spans = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const until = start + seconds * 1000;
  let now = start;
  while (now < until) {
    for (let k = 0; k < 5; k++) spans += c.run();
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: spans / ((now - start) / 1000), cpu: spans / ((cpu.user + cpu.system) / 1e6) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadBefore = loadavg();
for (const c of candidates) turn(c, Math.min(1, SECONDS_PER_TURN)); // warm-up: let the JIT settle
const perRound = new Map<string, { wall: number; cpu: number }[]>(candidates.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of candidates) perRound.get(c.name)!.push(turn(c, SECONDS_PER_TURN));
}
const loadAfter = loadavg();

const results = candidates.map((c) => {
  const wall = perRound.get(c.name)!.map((r) => r.wall);
  const cpu = perRound.get(c.name)!.map((r) => r.cpu);
  return {
    name: c.name,
    spansPerSecond: Math.round(median(wall)),
    min: Math.round(Math.min(...wall)),
    max: Math.round(Math.max(...wall)),
    spansPerCpuSecond: Math.round(median(cpu)),
  };
});
const ratio = (a: string, b: string, key: 'spansPerSecond' | 'spansPerCpuSecond') =>
  Number((results.find((r) => r.name === a)![key] / results.find((r) => r.name === b)![key]).toFixed(2));
const ratios = {
  oursProtobufVsProtobufjsRows: ratio('ours (protobuf)', 'protobufjs decode + rows', 'spansPerSecond'),
  oursProtobufVsProtobufjs: ratio('ours (protobuf)', 'protobufjs decode', 'spansPerSecond'),
  oursJsonVsProtobufjsRows: ratio('ours (JSON)', 'protobufjs decode + rows', 'spansPerSecond'),
  byCpuTime: {
    oursProtobufVsProtobufjsRows: ratio('ours (protobuf)', 'protobufjs decode + rows', 'spansPerCpuSecond'),
    oursProtobufVsProtobufjs: ratio('ours (protobuf)', 'protobufjs decode', 'spansPerCpuSecond'),
    oursJsonVsProtobufjsRows: ratio('ours (JSON)', 'protobufjs decode + rows', 'spansPerCpuSecond'),
  },
};

const fmt = (n: number) => n.toLocaleString('en-US');
console.log(`\nOTLP trace decode, ${SPANS} spans per request (protobuf ${fmt(protoBytes.length)} B, JSON ${fmt(jsonBytes.length)} B)`);
console.log(`${ROUNDS} rounds x ${SECONDS_PER_TURN}s per candidate, median round; load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)} on ${cpus().length} cores\n`);
console.log(`${'candidate'.padEnd(28)}${'spans/s'.padStart(12)}${'min'.padStart(12)}${'max'.padStart(12)}${'spans/cpu-s'.padStart(14)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(28)}${fmt(r.spansPerSecond).padStart(12)}${fmt(r.min).padStart(12)}${fmt(r.max).padStart(12)}${fmt(r.spansPerCpuSecond).padStart(14)}`);
}
console.log('');
console.log(`${''.padEnd(44)}wall-clock   cpu-time`);
const line = (label: string, a: number, b: number) => console.log(`${label.padEnd(44)}${(a.toFixed(2) + 'x').padStart(10)}${(b.toFixed(2) + 'x').padStart(11)}`);
line('ours (protobuf) / protobufjs decode + rows', ratios.oursProtobufVsProtobufjsRows, ratios.byCpuTime.oursProtobufVsProtobufjsRows);
line('ours (protobuf) / protobufjs decode', ratios.oursProtobufVsProtobufjs, ratios.byCpuTime.oursProtobufVsProtobufjs);
line('ours (JSON) / protobufjs decode + rows', ratios.oursJsonVsProtobufjsRows, ratios.byCpuTime.oursJsonVsProtobufjsRows);
console.log(`target: ours (protobuf) >= ${TARGET_RATIO}x protobufjs decode + rows`);

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/decode.json'),
  JSON.stringify(
    {
      benchmark: 'decode',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverage: { before: loadBefore, after: loadAfter },
      spansPerRequest: SPANS,
      protobufBytes: protoBytes.length,
      jsonBytes: jsonBytes.length,
      rounds: ROUNDS,
      secondsPerTurn: SECONDS_PER_TURN,
      results,
      ratios,
      target: { oursProtobufVsProtobufjsRows: TARGET_RATIO, met: ratios.oursProtobufVsProtobufjsRows >= TARGET_RATIO },
    },
    null,
    2,
  ) + '\n',
);
console.log('\nwrote bench/results/decode.json');
