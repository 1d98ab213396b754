import type { Span } from '@tracelight/core';
import { spanBatchFromSpans, StatusCode } from '@tracelight/core';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { shop, SHOP_SERVICES, TRACE_IDS } from '../../../test/fixtures/index.js';
import { EXPECTED_JAEGER_SHAPES, JAEGER_SHAPES_TRACE_ID, jaegerShapesTrace } from '../../../test/fixtures/query/jaeger-shapes.js';
import type { JaegerEnvelope, JaegerTrace, MetricFamily } from './api-types.js';
import type { QueryHandler } from './query-handler.js';
import { createQueryHandler, DEFAULT_SAMPLING_STRATEGY } from './query-handler.js';

// Fixed times, so every answer below is a literal: the shop scenario starts at BASE (2023-11-14
// 22:13:20 UTC) and "now" is 10 minutes later.
const S = 1_000_000_000n;
const BASE = 1_700_000_000n * S;
const NOW = BASE + 600n * S;
const us = (ns: bigint) => (ns / 1000n).toString();
const ms = (ns: bigint) => (ns / 1_000_000n).toString();
const WINDOW = `start=${us(BASE)}&end=${us(NOW)}`;

let store: Store;
let handler: QueryHandler;

async function get(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const res = await handler(new Request(`http://tracelight.test${path}`, init));
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), headers: res.headers, text };
}

async function traces(path: string): Promise<JaegerTrace[]> {
  const { status, body } = await get(path);
  expect(status, JSON.stringify(body)).toBe(200);
  return (body as JaegerEnvelope<JaegerTrace[]>).data;
}

const traceIdsOf = (list: JaegerTrace[]) => list.map((t) => t.traceID);

beforeAll(async () => {
  store = createMemoryStore();
  for (const write of shop(BASE).writes) await store.writeSpans(spanBatchFromSpans(write));
  await store.writeSpans(spanBatchFromSpans(jaegerShapesTrace(BASE)));
  handler = createQueryHandler({ store, now: () => NOW });
});

describe('Jaeger /api: envelope, services, operations', () => {
  it('lists services in the envelope, with safe JSON headers', async () => {
    const { status, body, headers } = await get('/api/services');
    expect(status).toBe(200);
    expect(body).toEqual({ data: ['api', ...SHOP_SERVICES.slice(0, 1), 'db-proxy', ...SHOP_SERVICES.slice(1)], total: 8, limit: 0, offset: 0, errors: null });
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('lists a service\'s operation names once each, sorted (legacy route)', async () => {
    const { body } = await get('/api/services/checkout/operations');
    // 'charge' exists as CLIENT (T1, T2) and INTERNAL (T6): one name.
    expect(body).toEqual({ data: ['GET /api/retry', 'POST /api/checkout', 'charge', 'db SELECT', 'reserve stock'], total: 5, limit: 0, offset: 0, errors: null });
    const encoded = await get(`/api/services/${encodeURIComponent('no such/service')}/operations`);
    expect(encoded.body).toEqual({ data: [], total: 0, limit: 0, offset: 0, errors: null });
  });

  it('lists operations with their kind, filtered by spanKind', async () => {
    const all = await get('/api/operations?service=checkout');
    expect((all.body as JaegerEnvelope<unknown>).data).toEqual([
      { name: 'GET /api/retry', spanKind: 'server' },
      { name: 'POST /api/checkout', spanKind: 'server' },
      { name: 'charge', spanKind: 'internal' },
      { name: 'charge', spanKind: 'client' },
      { name: 'db SELECT', spanKind: 'client' },
      { name: 'reserve stock', spanKind: 'internal' },
    ]);
    const clients = await get('/api/operations?service=checkout&spanKind=client');
    expect(clients.body).toEqual({
      data: [
        { name: 'charge', spanKind: 'client' },
        { name: 'db SELECT', spanKind: 'client' },
      ],
      total: 2,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const unspecified = await get('/api/operations?service=db-proxy');
    expect((unspecified.body as JaegerEnvelope<unknown>).data).toEqual([{ name: 'proxy', spanKind: '' }]);
  });

  it('answers bad parameters with 400 in the envelope', async () => {
    const { status, body } = await get('/api/operations');
    expect(status).toBe(400);
    expect(body).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: "parameter 'service' is required" }] });
    expect((await get('/api/operations?service=x&spanKind=sideways')).status).toBe(400);
  });

  it('answers unknown routes with 404 and wrong methods with 405 + Allow', async () => {
    const missing = await get('/api/nope');
    expect(missing.status).toBe(404);
    expect((missing.body as JaegerEnvelope<null>).errors![0].code).toBe(404);
    const post = await get('/api/services', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});

describe('Jaeger /api: trace by id', () => {
  it('returns the exact Jaeger JSON (processes, references, typed tags, logs, flags, µs)', async () => {
    const [trace] = await traces(`/api/traces/${JAEGER_SHAPES_TRACE_ID}`);
    expect(trace).toEqual(EXPECTED_JAEGER_SHAPES);
  });

  it('keeps key order and field presence as Jaeger writes them', async () => {
    const { text } = await get(`/api/traces/${JAEGER_SHAPES_TRACE_ID}`);
    const span = JSON.parse(text).data[0].spans[1];
    expect(Object.keys(span)).toEqual(['traceID', 'spanID', 'operationName', 'references', 'startTime', 'duration', 'tags', 'logs', 'processID', 'warnings']);
    // Markup in values is escaped in the JSON text (as Go's encoder does), and still reads back the same.
    expect(text).toContain('"\\u003cb\\u003e\\u0026"');
    expect(text).not.toContain('<b>');
  });

  it('accepts upper case, short (64-bit) ids and Grafana\'s millisecond start/end hints', async () => {
    const t1 = TRACE_IDS.t1;
    const grafana = await traces(`/api/traces/${t1.toUpperCase()}?start=${ms(BASE)}&end=${ms(NOW)}`);
    expect(traceIdsOf(grafana)).toEqual([t1]);
    expect(grafana[0].spans).toHaveLength(7);
    // Hints far from the trace (here: microseconds of another day) do not hide it.
    const jaegerUi = await traces(`/api/traces/${t1}?start=${us(BASE - 86_400n * S)}&end=${us(BASE - 86_000n * S)}`);
    expect(traceIdsOf(jaegerUi)).toEqual([t1]);
    expect((await get(`/api/traces/${t1}?start=yesterday`)).status).toBe(400);
  });

  it('404s an unknown trace and 400s a malformed id', async () => {
    const missing = await get('/api/traces/0123456789abcdef0123456789abcdef');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
    const bad = await get('/api/traces/not-hex');
    expect(bad.status).toBe(400);
    expect((bad.body as JaegerEnvelope<null>).errors![0].code).toBe(400);
  });

  it('sees retried spans once and each distinct resource as one process', async () => {
    const [t6] = await traces(`/api/traces/${TRACE_IDS.t6}`);
    expect(t6.spans.map((s) => s.spanID).sort()).toEqual([...new Set(t6.spans.map((s) => s.spanID))].sort());
    expect(t6.spans).toHaveLength(4);
    expect(Object.keys(t6.processes).sort()).toEqual(['p1', 'p2']);
    expect(Object.values(t6.processes).map((p) => p.serviceName).sort()).toEqual(['checkout', 'frontend']);
  });
});

describe('Jaeger /api: search', () => {
  it('finds traces by service, most recent first, with full traces', async () => {
    const found = await traces(`/api/traces?service=frontend&${WINDOW}`);
    expect(traceIdsOf(found)).toEqual([TRACE_IDS.t6, TRACE_IDS.t5, TRACE_IDS.t2, TRACE_IDS.t1]);
    expect(found[3].spans).toHaveLength(7);
  });

  it('filters by operation, tag=k:v, and minDuration/maxDuration as Go durations', async () => {
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&operation=${encodeURIComponent('GET /checkout')}&${WINDOW}`))).toEqual([TRACE_IDS.t2, TRACE_IDS.t1]);
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&tag=http.response.status_code:500&${WINDOW}`))).toEqual([TRACE_IDS.t2]);
    // A tag value may itself hold colons: only the first one splits.
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&tag=http.route:/checkout&tag=http.request.method:GET&${WINDOW}`))).toEqual([TRACE_IDS.t2, TRACE_IDS.t1]);
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&minDuration=1.2s&${WINDOW}`))).toEqual([TRACE_IDS.t5]);
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&minDuration=100ms&maxDuration=2s&${WINDOW}`))).toEqual([TRACE_IDS.t1]);
    expect(traceIdsOf(await traces(`/api/traces?service=payment&minDuration=50500us&${WINDOW}`))).toEqual([TRACE_IDS.t2]);
  });

  it('takes Grafana\'s tags JSON', async () => {
    const tags = encodeURIComponent(JSON.stringify({ 'http.route': '/checkout', 'http.response.status_code': '200' }));
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&tags=${tags}&${WINDOW}`))).toEqual([TRACE_IDS.t1]);
    const resourceTag = encodeURIComponent(JSON.stringify({ 'deployment.environment.name': 'staging' }));
    expect(traceIdsOf(await traces(`/api/traces?service=inventory&tags=${resourceTag}&${WINDOW}`))).toEqual([TRACE_IDS.t3]);
    const eventTag = encodeURIComponent(JSON.stringify({ 'exception.type': 'CardDeclined' }));
    expect(traceIdsOf(await traces(`/api/traces?service=payment&tags=${eventTag}&${WINDOW}`))).toEqual([TRACE_IDS.t2]);
  });

  it('maps the tags Jaeger derives from OTLP fields back to them (error, span.kind, otel.status_code)', async () => {
    expect(traceIdsOf(await traces(`/api/traces?service=checkout&tag=error:true&${WINDOW}`))).toEqual([TRACE_IDS.t2]);
    expect(traceIdsOf(await traces(`/api/traces?service=payment&tag=otel.status_code:ERROR&${WINDOW}`))).toEqual([TRACE_IDS.t2]);
    expect(traceIdsOf(await traces(`/api/traces?service=orders&tag=otel.status_code:OK&${WINDOW}`))).toEqual([TRACE_IDS.t4]);
    expect(traceIdsOf(await traces(`/api/traces?service=checkout&tag=span.kind:internal&${WINDOW}`))).toEqual([TRACE_IDS.t6, TRACE_IDS.t1]);
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&tag=error:false&operation=${encodeURIComponent('GET /checkout')}&${WINDOW}`))).toEqual([TRACE_IDS.t1]);
  });

  it('reads start/end as microseconds, honours lookback when start is absent, and limit', async () => {
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&start=${us(BASE + 100n * S)}&end=${us(BASE + 310n * S)}`))).toEqual([TRACE_IDS.t5, TRACE_IDS.t2]);
    // end = now (BASE + 600 s), lookback 5 minutes → from BASE + 300 s.
    expect(traceIdsOf(await traces('/api/traces?service=frontend&lookback=5m'))).toEqual([TRACE_IDS.t6, TRACE_IDS.t5]);
    expect(traceIdsOf(await traces('/api/traces?service=frontend&lookback=1h&limit=2'))).toEqual([TRACE_IDS.t6, TRACE_IDS.t5]);
    // Jaeger UI sends lookback=custom alongside start/end.
    expect(traceIdsOf(await traces(`/api/traces?service=frontend&lookback=custom&${WINDOW}&limit=1`))).toEqual([TRACE_IDS.t6]);
  });

  it('looks traces up by repeated traceID, reporting the missing ones per trace', async () => {
    const { status, body } = await get(`/api/traces?traceID=${TRACE_IDS.t3}&traceID=${TRACE_IDS.t1}&traceID=ffff0000000000000000000000000000`);
    expect(status).toBe(200);
    const env = body as JaegerEnvelope<JaegerTrace[]>;
    expect(traceIdsOf(env.data)).toEqual([TRACE_IDS.t3, TRACE_IDS.t1]);
    expect(env.errors).toEqual([{ msg: 'trace not found', traceID: 'ffff0000000000000000000000000000' }]);
  });

  it('answers malformed search parameters with 400', async () => {
    for (const query of [
      'operation=x', // no service
      'service=frontend&minDuration=fast',
      'service=frontend&minDuration=2s&maxDuration=1s',
      'service=frontend&tag=novalue',
      `service=frontend&tags=${encodeURIComponent('{"a":')}`,
      `service=frontend&tags=${encodeURIComponent('{"a":{"b":1}}')}`,
      'service=frontend&start=abc',
      'service=frontend&limit=-3',
      'service=frontend&lookback=forever',
      'traceID=xyz',
    ]) {
      const { status, body } = await get(`/api/traces?${query}`);
      expect(status, query).toBe(400);
      expect((body as JaegerEnvelope<null>).errors![0].code, query).toBe(400);
    }
  });
});

describe('Jaeger /api: dependencies, metrics, sampling', () => {
  it('returns dependency links for endTs/lookback in milliseconds', async () => {
    const { status, body } = await get(`/api/dependencies?endTs=${ms(NOW)}&lookback=${600_000}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: [
        { parent: 'api', child: 'db-proxy', callCount: 1 },
        { parent: 'checkout', child: 'inventory', callCount: 1 },
        { parent: 'checkout', child: 'payment', callCount: 2 },
        { parent: 'frontend', child: 'checkout', callCount: 3 },
        { parent: 'orders', child: 'fulfilment', callCount: 1 },
      ],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });
    // Only T1 (at +60 s) is in the first 100 s, and `service` filters.
    const early = await get(`/api/dependencies?endTs=${ms(BASE + 100n * S)}&lookback=100000&service=payment`);
    expect((early.body as JaegerEnvelope<unknown>).data).toEqual([{ parent: 'checkout', child: 'payment', callCount: 1 }]);
  });

  it('returns latency quantiles in milliseconds as an un-enveloped metric family', async () => {
    const { status, body } = await get(`/api/metrics/latencies?service=frontend&quantile=0.95&endTs=${ms(NOW)}&lookback=600000&step=60000&ratePer=600000`);
    expect(status).toBe(200);
    // frontend SERVER spans (the default spanKind): T1 120 ms @ +60 s, T2 80 ms @ +120 s,
    // T5 2500 ms @ +300 s, T6 30 ms @ +360 s; each point closes its minute.
    expect(body).toEqual({
      name: 'service_latencies',
      type: 'GAUGE',
      help: '0.95th quantile latency, grouped by service',
      metrics: [
        {
          labels: [{ name: 'service_name', value: 'frontend' }],
          metricPoints: [
            { gaugeValue: { doubleValue: 120 }, timestamp: '2023-11-14T22:15:20Z' },
            { gaugeValue: { doubleValue: 80 }, timestamp: '2023-11-14T22:16:20Z' },
            { gaugeValue: { doubleValue: 2500 }, timestamp: '2023-11-14T22:19:20Z' },
            { gaugeValue: { doubleValue: 30 }, timestamp: '2023-11-14T22:20:20Z' },
          ],
        },
      ],
    });
  });

  it('returns call rates per second over ratePer, and error ratios, grouped by operation on request', async () => {
    const calls = (await get(`/api/metrics/calls?service=payment&endTs=${ms(BASE + 180n * S)}&lookback=120000&step=60000&ratePer=120000`)).body as MetricFamily;
    expect(calls.name).toBe('service_call_rate');
    expect(calls.help).toBe('calls/sec, grouped by service');
    // payment SERVER 'charge': @ +60.012 s (T1) and @ +120.012 s (T2). Points at +120 s and
    // +180 s each look back 120 s.
    expect(calls.metrics).toEqual([
      {
        labels: [{ name: 'service_name', value: 'payment' }],
        metricPoints: [
          { gaugeValue: { doubleValue: 1 / 120 }, timestamp: '2023-11-14T22:15:20Z' },
          { gaugeValue: { doubleValue: 2 / 120 }, timestamp: '2023-11-14T22:16:20Z' },
        ],
      },
    ]);
    const errors = (await get(`/api/metrics/errors?service=payment&groupByOperation=true&endTs=${ms(BASE + 180n * S)}&lookback=120000&step=60000&ratePer=120000`)).body as MetricFamily;
    expect(errors.name).toBe('service_operation_error_rate');
    expect(errors.help).toBe('error rate, computed as a fraction of errors/sec over calls/sec, grouped by service & operation');
    expect(errors.metrics).toEqual([
      {
        labels: [
          { name: 'service_name', value: 'payment' },
          { name: 'operation', value: 'charge' },
        ],
        metricPoints: [
          { gaugeValue: { doubleValue: 0 }, timestamp: '2023-11-14T22:15:20Z' },
          { gaugeValue: { doubleValue: 0.5 }, timestamp: '2023-11-14T22:16:20Z' },
        ],
      },
    ]);
    const clientCalls = (await get(`/api/metrics/calls?service=checkout&spanKind=SPAN_KIND_CLIENT&endTs=${ms(BASE + 180n * S)}&lookback=120000&step=60000&ratePer=60000`)).body as MetricFamily;
    // checkout CLIENT: T1 'charge' @ +60.010 s, T2 'charge' @ +120.010 s.
    expect(clientCalls.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual([1 / 60, 1 / 60]);
  });

  it('validates metrics parameters', async () => {
    expect((await get('/api/metrics/latencies?quantile=0.5')).status).toBe(400); // no service
    expect((await get('/api/metrics/latencies?service=a')).status).toBe(400); // no quantile
    expect((await get('/api/metrics/latencies?service=a&quantile=2')).status).toBe(400);
    expect((await get('/api/metrics/calls?service=a&spanKind=SPAN_KIND_WRONG')).status).toBe(400);
    expect((await get('/api/metrics/calls?service=a&step=0')).status).toBe(400);
    expect((await get('/api/metrics/other?service=a')).status).toBe(404);
    expect((await get('/api/metrics/minstep')).body).toEqual({ data: 1, total: 0, limit: 0, offset: 0, errors: null });
  });

  it('answers 501 when the store cannot compute dependencies or metrics', async () => {
    const limited = createQueryHandler({ store: { ...store, capabilities: { ...store.capabilities, dependencies: false, metrics: false } } });
    const deps = await limited(new Request('http://x/api/dependencies'));
    expect(deps.status).toBe(501);
    expect(((await deps.json()) as JaegerEnvelope<null>).errors![0].code).toBe(501);
    expect((await limited(new Request('http://x/api/metrics/calls?service=a'))).status).toBe(501);
  });

  it('serves a sampling strategy per service', async () => {
    expect((await get('/api/sampling?service=frontend')).body).toEqual(DEFAULT_SAMPLING_STRATEGY);
    expect((await get('/api/sampling')).status).toBe(400);
    const custom = createQueryHandler({
      store,
      samplingStrategy: (service) => ({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: service === 'noisy' ? 0.01 : 1 } }),
    });
    expect(await (await custom(new Request('http://x/api/sampling?service=noisy'))).json()).toEqual({
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.01 },
    });
  });
});

describe('Jaeger /api: clock skew', () => {
  const SKEW_TRACE = '5c000000000000000000000000000001';
  let skewed: QueryHandler;
  beforeAll(async () => {
    const host = (name: string, service: string) => ({ attributes: [{ key: 'service.name', value: service }, { key: 'host.name', value: name }], droppedAttributesCount: 0, schemaUrl: '' });
    const base = { traceId: SKEW_TRACE, traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: StatusCode.UNSET, message: '' }, scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' } };
    const t0 = BASE + 500n * S;
    const ms1 = 1_000_000n;
    const spans: Span[] = [
      { ...base, spanId: '5c00000000000001', parentSpanId: '', name: 'GET /', kind: 2, startTimeUnixNano: t0, endTimeUnixNano: t0 + 100n * ms1, resource: host('web-1', 'web') },
      // 50 ms long, on a host whose clock is 30 ms behind: it seems to start before its parent.
      { ...base, spanId: '5c00000000000002', parentSpanId: '5c00000000000001', name: 'query', kind: 2, startTimeUnixNano: t0 - 30n * ms1, endTimeUnixNano: t0 + 20n * ms1, resource: host('db-1', 'db') },
    ];
    const own = createMemoryStore();
    await own.writeSpans(spanBatchFromSpans(spans));
    skewed = createQueryHandler({ store: own });
  });
  const skewTraces = async (path: string) => ((await (await skewed(new Request(`http://x${path}`))).json()) as JaegerEnvelope<JaegerTrace[]>).data;

  it('shifts a child on another host into its parent and says so; raw=true leaves it', async () => {
    const [adjusted] = await skewTraces(`/api/traces/${SKEW_TRACE}`);
    const child = adjusted.spans.find((s) => s.spanID === '5c00000000000002')!;
    // Centred in the 100 ms parent: starts 25 ms after it.
    expect(child.startTime).toBe(Number((BASE + 500n * S) / 1000n) + 25_000);
    expect(child.duration).toBe(50_000);
    expect(child.warnings).toEqual(["This span's timestamps were adjusted by 55ms"]);
    const [raw] = await skewTraces(`/api/traces/${SKEW_TRACE}?raw=true`);
    const rawChild = raw.spans.find((s) => s.spanID === '5c00000000000002')!;
    expect(rawChild.startTime).toBe(Number((BASE + 500n * S) / 1000n) - 30_000);
    expect(rawChild.warnings).toBeNull();
  });
});
