// The real OpenTelemetry JS exporter sends traces to a real `tracelight start` child process; the
// query API on its HTTP port (16686 by default, a free port here) must return them, found by
// service, operation, tag and duration, in Jaeger's shapes (and through /api/v3 and /api/tl).
//
// Until `tracelight start` mounts @tracelight/query on its HTTP port (it serves a temporary debug
// API before that), the tests here skip themselves, saying why.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { decodeTraceRequest } from '@tracelight/otlp';
import type { JaegerEnvelope, JaegerTrace, SearchResponse } from '@tracelight/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningTracelight } from './helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from './helpers/tracelight.js';

let tl: RunningTracelight;
const run = Math.random().toString(36).slice(2, 8);
const service = `e2e-query-${run}`;
let ordersTrace = '';
let healthTrace = '';
let startMs = 0;

beforeAll(async () => {
  tl = await startTracelight();

  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.0.0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${tl.otlpHttpUrl}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('e2e-query');
  startMs = Date.now() - 5_000;
  const root = tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: startMs,
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/{id}', 'http.response.status_code': 200, 'order.id': 'o-42' },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: startMs + 10, attributes: { 'db.system': 'postgresql' } }, ctx);
  child.addEvent('rows fetched', { 'db.rows': 3 }, startMs + 40);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'slow query' });
  child.end(startMs + 50);
  root.end(startMs + 150);
  ordersTrace = root.spanContext().traceId;
  const health = tracer.startSpan('GET /health', { kind: SpanKind.SERVER, startTime: startMs + 1000, attributes: { 'http.response.status_code': 200 } });
  health.end(startMs + 1005);
  healthTrace = health.spanContext().traceId;
  // SimpleSpanProcessor exports each span as it ends; forceFlush waits for those exports, which
  // tracelight acknowledges only once the spans are committed to its store.
  await provider.forceFlush();
  await provider.shutdown();
});

afterAll(async () => {
  await stopAllTracelights();
});

async function jaeger<T>(path: string): Promise<JaegerEnvelope<T>> {
  const res = await fetch(`${tl.apiUrl}${path}`);
  expect(res.status, path).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as JaegerEnvelope<T>;
}

describe('query API on tracelight start', () => {
  it('lists the service and its operations', async () => {
    expect((await jaeger<string[]>('/api/services')).data).toContain(service);
    expect((await jaeger<string[]>(`/api/services/${service}/operations`)).data).toEqual(['GET /health', 'GET /orders/{id}', 'SELECT orders']);
  });

  it('finds the trace by service, operation, tag and duration, in Jaeger\'s shape', async () => {
    const q = new URLSearchParams({ service, operation: 'GET /orders/{id}', tag: 'http.response.status_code:200', minDuration: '100ms', lookback: '1h', limit: '20' });
    const { data } = await jaeger<JaegerTrace[]>(`/api/traces?${q}`);
    expect(data.map((tr) => tr.traceID)).toEqual([ordersTrace]);
    const [trace] = data;
    expect(trace.spans).toHaveLength(2);
    const root = trace.spans.find((s) => s.operationName === 'GET /orders/{id}')!;
    const child = trace.spans.find((s) => s.operationName === 'SELECT orders')!;
    expect(root.startTime).toBe(startMs * 1000);
    expect(root.duration).toBe(150_000);
    expect(child.references).toEqual([{ refType: 'CHILD_OF', traceID: ordersTrace, spanID: root.spanID }]);
    expect(child.tags).toEqual(
      expect.arrayContaining([
        { key: 'db.system', type: 'string', value: 'postgresql' },
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.status_description', type: 'string', value: 'slow query' },
      ]),
    );
    expect(child.logs).toEqual([{ timestamp: (startMs + 40) * 1000, fields: [{ key: 'event', type: 'string', value: 'rows fetched' }, { key: 'db.rows', type: 'int64', value: 3 }] }]);
    expect(trace.processes[child.processID].serviceName).toBe(service);
  });

  it('answers Grafana\'s calls: tags as JSON, maxDuration, trace by id with millisecond hints', async () => {
    const q = new URLSearchParams({ service, tags: JSON.stringify({ 'http.response.status_code': '200' }), maxDuration: '10ms', start: String(startMs * 1000 - 60e6), end: String(Date.now() * 1000) });
    expect((await jaeger<JaegerTrace[]>(`/api/traces?${q}`)).data.map((tr) => tr.traceID)).toEqual([healthTrace]);
    const byId = await jaeger<JaegerTrace[]>(`/api/traces/${ordersTrace}?start=${startMs - 1000}&end=${Date.now()}`);
    expect(byId.data[0].spans).toHaveLength(2);
    expect((await fetch(`${tl.apiUrl}/api/traces/${'0'.repeat(31)}1`)).status).toBe(404);
  });

  it('serves the same trace through /api/v3 and /api/tl', async () => {
    const v3 = (await (await fetch(`${tl.apiUrl}/api/v3/traces/${ordersTrace}`)).json()) as { result: unknown };
    const decoded = decodeTraceRequest(new TextEncoder().encode(JSON.stringify(v3.result)), 'json');
    expect(decoded.batch.length).toBe(2);
    const search = (await (await fetch(`${tl.apiUrl}/api/tl/search?q=${encodeURIComponent(`service="${service}" AND status=error`)}&lookback=1h`)).json()) as SearchResponse;
    expect(search.traces.map((s) => s.traceId)).toEqual([ordersTrace]);
    expect(search.traces[0]).toMatchObject({ rootSpanName: 'GET /orders/{id}', spanCount: 2, errorCount: 1, durationNano: '150000000' });
  });
});
