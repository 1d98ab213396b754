// Load generator for bench/ingest.ts, run in its own process: sends pre-encoded OTLP/HTTP
// protobuf requests of N spans over several keep-alive connections, each request made unique by
// writing a sequence number into its trace and span ids (a cheap patch of the encoded bytes), so
// the store really stores every span. Prints `warm` once the warm-up is over, then one JSON line
// with the measured numbers.
//
//   node bench/internal/ingest-load.ts --url http://127.0.0.1:4318 [--connections 8]
//     [--spans 512] [--seconds 10] [--max-requests 1900] [--warmup-seconds 2]
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import type { Span } from '@tracelight/core';
import { spanBatchFromSpans } from '@tracelight/core';
import { encodeTraceRequest } from '@tracelight/otlp';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '8' },
    spans: { type: 'string', default: '512' },
    seconds: { type: 'string', default: '10' },
    'max-requests': { type: 'string', default: '1900' },
    'warmup-seconds': { type: 'string', default: '2' },
    templates: { type: 'string', default: '8' },
  },
});
if (!values.url) throw new Error('--url is required');
const target = new URL('/v1/traces', values.url);
const connections = Number(values.connections);
const spansPerRequest = Number(values.spans);
const seconds = Number(values.seconds);
const maxRequests = Number(values['max-requests']);
const warmupSeconds = Number(values['warmup-seconds']);
const templateCount = Number(values.templates);

function hex(n: number, bytes: number): string {
  return (n >>> 0).toString(16).padStart(8, '0').repeat(bytes / 4);
}

/** A request template: its bytes and where every trace/span id starts in them. */
interface Template {
  readonly body: Buffer;
  readonly idOffsets: number[];
}

function makeTemplate(t: number): Template {
  const routes = ['/api/orders/{id}', '/api/users/{id}', '/api/cart', '/healthz', '/api/search'];
  const resource = {
    attributes: [
      { key: 'service.name', value: `bench-svc-${t % 4}` },
      { key: 'service.version', value: '1.4.2' },
      { key: 'host.name', value: `node-${t}` },
      { key: 'process.pid', value: BigInt(1000 + t) },
      { key: 'deployment.environment', value: 'bench' },
    ],
    droppedAttributesCount: 0,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  };
  const scope = { name: '@opentelemetry/instrumentation-http', version: '0.57.0', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const spans: Span[] = [];
  // Ids are distinctive 4-byte patterns we can find again in the encoded bytes.
  for (let i = 0; i < spansPerRequest; i++) {
    const trace = Math.floor(i / 8);
    const root = i % 8 === 0;
    const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
    spans.push({
      traceId: hex(0xa1000000 + t * 0x10000 + trace, 16),
      spanId: hex(0xb2000000 + t * 0x10000 + i, 8),
      parentSpanId: root ? '' : hex(0xb2000000 + t * 0x10000 + trace * 8, 8),
      traceState: '',
      flags: 0x101,
      name: root ? `GET ${routes[trace % routes.length]}` : `SELECT orders ${i % 8}`,
      kind: root ? 2 : 3,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 1_234_567n,
      attributes: [
        { key: 'http.request.method', value: 'GET' },
        { key: 'http.route', value: routes[trace % routes.length] },
        { key: 'http.response.status_code', value: 200n },
        { key: 'url.full', value: `https://shop.example.com${routes[trace % routes.length]}?q=${i}` },
        { key: 'server.address', value: 'shop.example.com' },
        { key: 'network.peer.port', value: 443n },
        { key: 'db.system', value: 'postgresql' },
        { key: 'sampled.ratio', value: 0.25 },
      ],
      droppedAttributesCount: 0,
      events: i % 4 === 0 ? [{ timeUnixNano: start + 1000n, name: 'cache.miss', attributes: [{ key: 'key', value: `k${i}` }], droppedAttributesCount: 0 }] : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: i % 50 === 0 ? 2 : 0, message: '' },
      resource,
      scope,
    });
  }
  const body = Buffer.from(encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf'));
  const idOffsets: number[] = [];
  const seen = new Set<string>();
  for (const s of spans) {
    for (const id of [s.traceId, s.spanId, s.parentSpanId]) {
      if (!id || seen.has(id)) continue;
      seen.add(id);
      const needle = Buffer.from(id, 'hex');
      for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) idOffsets.push(at);
    }
  }
  return { body, idOffsets };
}

const templates = Array.from({ length: templateCount }, (_, t) => makeTemplate(t));

/** A fresh copy of a template whose ids all carry `seq`: unique spans in every request. */
function requestBody(seq: number): Buffer {
  const t = templates[seq % templates.length];
  const body = Buffer.from(t.body);
  for (const at of t.idOffsets) body.writeUInt32BE(seq >>> 0, at + 4);
  return body;
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });

function send(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let seq = 0;
const statuses: Record<string, number> = {};
const latencies: number[] = [];
let measuredRequests = 0;
let measuring = false;
let bytesSent = 0;

async function worker(deadline: () => number, budget: () => boolean): Promise<void> {
  while (performance.now() < deadline() && budget()) {
    const body = requestBody(seq++);
    const t0 = performance.now();
    const status = await send(body);
    if (measuring) {
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      measuredRequests++;
      bytesSent += body.length;
    }
  }
}

const warmupEnd = performance.now() + warmupSeconds * 1000;
const warmupRequests = Math.min(Math.floor(maxRequests / 10), 200);
await Promise.all(Array.from({ length: connections }, () => worker(() => warmupEnd, () => seq < warmupRequests)));
console.log('warm');
measuring = true;
const started = performance.now();
const end = started + seconds * 1000;
await Promise.all(Array.from({ length: connections }, () => worker(() => end, () => seq < maxRequests)));
const wallSeconds = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: measuredRequests,
    spans: (statuses['200'] ?? 0) * spansPerRequest,
    statuses,
    wallSeconds,
    bytesSent,
    requestBytes: templates[0].body.length,
    latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies[latencies.length - 1] ?? 0 },
  }),
);
