// The span metrics and service graph connectors in a real pipeline: the real OpenTelemetry JS SDK
// and OTLP/protobuf exporter send to the real OTLP/HTTP receiver; the connectors' Prometheus text
// is scraped over HTTP (and checked by promtool), scraped by a real Prometheus server (a rate read
// back with PromQL), and read through the Jaeger query API (/api/metrics, /api/dependencies).
import { spawnSync } from 'node:child_process';
import type { Context } from '@opentelemetry/api';
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Collector } from '@tracelight/collector';
import { connectorReadsOf, createCollector, withConnectorReads } from '@tracelight/collector';
import { createQueryHandler } from '@tracelight/query';
import { createMemoryStore } from '@tracelight/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from '../../packages/collector/src/connectors/internal/test-spans.js';
import { startPrometheus, stopAllPrometheus } from '../prometheus/harness.js';

const store = createMemoryStore();
let collector: Collector;
let otlpUrl: string;
let metricsUrl: string;

beforeAll(async () => {
  await store.start();
  collector = createCollector({
    store,
    config: {
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
      processors: { batch: {} },
      exporters: { store: {} },
      connectors: { spanmetrics: { endpoint: '127.0.0.1:0' }, servicegraph: { endpoint: '127.0.0.1:0', store: { ttl: '5s' } } },
      service: {
        pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['store', 'spanmetrics', 'servicegraph'] } },
        telemetry: { metrics: { address: '127.0.0.1:0' } },
      },
    },
  });
  await collector.start();
  const listeners = collector.listeners();
  otlpUrl = `http://127.0.0.1:${listeners.find((l) => l.name === 'OTLP/HTTP')!.port}/v1/traces`;
  // Both connectors serve on one endpoint, listed once.
  const metrics = listeners.filter((l) => l.name === 'span metrics');
  expect(metrics).toHaveLength(1);
  metricsUrl = `http://127.0.0.1:${metrics[0].port}/metrics`;
});

afterAll(async () => {
  await stopAllPrometheus();
  await collector?.shutdown();
  await store.shutdown();
});

function provider(service: string): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: otlpUrl }), scheduledDelayMillis: 50, maxExportBatchSize: 256 })],
  });
}

/** A sampled remote parent whose tracestate says p = 2^-k (th from OTel's probability sampling). */
function sampledParent(th: string): Context {
  const hex = (n: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('hex');
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: hex(16), spanId: hex(8), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: createTraceState(`ot=th:${th}`) });
}

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  return res.text();
}

describe('span metrics + service graph through the real receivers', () => {
  it('turns SDK spans (sampled at 25%) into weighted RED metrics and service graph edges, served as valid Prometheus text', async () => {
    const frontend = provider('e2e-frontend');
    const cart = provider('e2e-cart');
    const ft = frontend.getTracer('t');
    const ct = cart.getTracer('t');
    for (let i = 0; i < 40; i++) {
      const parent = sampledParent('c'); // th:c = threshold 0.75 · 2^56: kept with p = 0.25
      const server = ft.startSpan(`GET /cart/${1000 + i}`, { kind: SpanKind.SERVER }, parent);
      const client = ft.startSpan('GET', { kind: SpanKind.CLIENT }, trace.setSpan(parent, server));
      const handler = ct.startSpan(`GET /items/${i}`, { kind: SpanKind.SERVER }, trace.setSpan(parent, client));
      if (i % 4 === 0) handler.setStatus({ code: SpanStatusCode.ERROR });
      handler.end();
      client.end();
      server.end();
    }
    await Promise.all([frontend.forceFlush(), cart.forceFlush()]);
    let text = '';
    for (let tries = 0; tries < 50; tries++) {
      text = await scrape();
      if (sampleValue(text, 'traces_service_graph_request_total', { client: 'e2e-frontend', server: 'e2e-cart' }) === 160) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const fe = { service_name: 'e2e-frontend', span_kind: 'SPAN_KIND_SERVER' };
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { ...fe, span_name: 'GET /cart/{id}', status_code: 'STATUS_CODE_UNSET' })).toBe(160);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'e2e-frontend', span_kind: 'SPAN_KIND_CLIENT', span_name: 'GET' })).toBe(160);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'e2e-cart', span_name: 'GET /items/{id}', status_code: 'STATUS_CODE_ERROR' })).toBe(40);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_count', { service_name: 'e2e-cart' })).toBe(160);
    expect(sampleValue(text, 'traces_service_graph_request_total', { client: 'e2e-frontend', server: 'e2e-cart' })).toBe(160);
    expect(sampleValue(text, 'traces_service_graph_request_failed_total', { client: 'e2e-frontend', server: 'e2e-cart' })).toBe(40);
    // Debian's promtool accepts the whole scrape (format and lint).
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    // The spans reached the store too (the connectors sit beside the store exporter).
    expect(await store.getServices()).toEqual(expect.arrayContaining(['e2e-cart', 'e2e-frontend']));
    await Promise.all([frontend.shutdown(), cart.shutdown()]);

    // Jaeger's /api/metrics and /api/dependencies answered from the connectors, over a store that cannot.
    const blind = Object.assign(Object.create(store) as typeof store, { capabilities: { ...store.capabilities, metrics: false, dependencies: false } });
    expect((await createQueryHandler({ store: blind })(new Request('http://x/api/dependencies'))).status).toBe(501);
    const api = createQueryHandler({ store: withConnectorReads(blind, connectorReadsOf(collector)) });
    const deps = (await (await api(new Request(`http://x/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`))).json()) as { data: unknown[] };
    expect(deps.data).toEqual([{ parent: 'e2e-frontend', child: 'e2e-cart', callCount: 160 }]);
    // Jaeger's "errors" is the share of calls that failed: 40 of 160 (weighted) for e2e-cart.
    const errors = await api(new Request(`http://x/api/metrics/errors?service=e2e-cart&endTs=${Date.now() + 60_000}&lookback=600000&step=60000&ratePer=60000`));
    expect(errors.status).toBe(200);
    const body = (await errors.json()) as { metrics: { metricPoints: { gaugeValue: { doubleValue: number } }[] }[] };
    const points = body.metrics.flatMap((m) => m.metricPoints).filter((p) => p.gaugeValue.doubleValue > 0);
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(p.gaugeValue.doubleValue).toBeCloseTo(0.25, 6);
  }, 60_000);

  it('is scraped by a real Prometheus server, and PromQL reads back the weighted call rate', async () => {
    const prom = await startPrometheus({ targets: [new URL(metricsUrl).host], scrapeIntervalSeconds: 1 });
    try {
      await prom.waitForTargetsUp();
      const steady = provider('e2e-steady');
      const tracer = steady.getTracer('t');
      // 20 spans per 200 ms sampled at p = 0.5 (th:8): 100 spans/s on the wire stand for 200/s at the service.
      const started = Date.now();
      const timer = setInterval(() => {
        for (let i = 0; i < 20; i++) tracer.startSpan('tick', { kind: SpanKind.SERVER }, sampledParent('8')).end();
      }, 200);
      try {
        await new Promise((r) => setTimeout(r, 8_000));
        const [sample] = await prom.query('sum(rate(traces_span_metrics_calls_total{service_name="e2e-steady"}[5s]))');
        expect(sample, prom.log()).toBeDefined();
        expect(sample.value).toBeGreaterThan(200 * 0.7);
        expect(sample.value).toBeLessThan(200 * 1.3);
        const [p99] = await prom.query('histogram_quantile(0.99, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{service_name="e2e-steady"}[5s])))');
        expect(p99.value).toBeGreaterThan(0);
        expect(p99.value).toBeLessThanOrEqual(0.002);
      } finally {
        clearInterval(timer);
        await steady.shutdown();
      }
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await prom.stop();
    }
  }, 60_000);
});
