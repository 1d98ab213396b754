import { spawnSync } from 'node:child_process';
import { encodeThreshold, probabilityToThreshold, spanBatchFromSpans, SpanKind, StatusCode } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../component.js';
import { createMetricsRegistry } from '../../telemetry/metrics-registry.js';
import { makeSpan, sampleValue } from '../internal/test-spans.js';
import { createSpanMetricsConnector, spanMetricsConnectorFactory } from './spanmetrics-connector.js';

const deps = () => ({ id: 'spanmetrics', telemetry: createMetricsRegistry() });
const connector = (config: unknown = {}, d = deps()) => createSpanMetricsConnector(spanMetricsConnectorFactory.validateConfig(config), d);

describe('spanmetrics connector', () => {
  it('counts calls and durations by service, span name, kind and status, with the Collector names', () => {
    const c = connector();
    c.record(
      spanBatchFromSpans([
        makeSpan({ service: 'shop', name: 'GET /cart', kind: SpanKind.SERVER, durationMs: 3 }),
        makeSpan({ service: 'shop', name: 'GET /cart', kind: SpanKind.SERVER, durationMs: 30 }),
        makeSpan({ service: 'shop', name: 'GET /cart', kind: SpanKind.SERVER, durationMs: 700, status: StatusCode.ERROR }),
        makeSpan({ service: 'db', name: 'SELECT', kind: SpanKind.CLIENT, durationMs: 1 }),
      ]),
    );
    const text = c.render();
    const server = { service_name: 'shop', span_name: 'GET /cart', span_kind: 'SPAN_KIND_SERVER' };
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { ...server, status_code: 'STATUS_CODE_UNSET' })).toBe(2);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { ...server, status_code: 'STATUS_CODE_ERROR' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'db', span_kind: 'SPAN_KIND_CLIENT' })).toBe(1);
    const unset = { ...server, status_code: 'STATUS_CODE_UNSET' };
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_bucket', { ...unset, le: '0.002' })).toBe(0);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_bucket', { ...unset, le: '0.004' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_bucket', { ...unset, le: '0.05' })).toBe(2);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_bucket', { ...unset, le: '+Inf' })).toBe(2);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_count', unset)).toBe(2);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_sum', unset)).toBeCloseTo(0.033, 9);
    expect(text).toContain('# TYPE traces_span_metrics_calls_total counter');
    expect(text).toContain('# TYPE traces_span_metrics_duration_seconds histogram');
  });

  it('weights each span by 1/p from its tracestate th, so sampled traffic keeps its rate', () => {
    const c = connector();
    const quarter = `ot=th:${encodeThreshold(probabilityToThreshold(0.25))}`;
    const spans = [];
    for (let i = 0; i < 10; i++) spans.push(makeSpan({ service: 'api', name: 'work', traceState: quarter, durationMs: 5 }));
    spans.push(makeSpan({ service: 'api', name: 'work', traceState: 'ot=th:zz', durationMs: 5 })); // malformed: weight 1
    c.record(spanBatchFromSpans(spans));
    const text = c.render();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'api' })).toBe(41);
    expect(sampleValue(text, 'traces_span_metrics_duration_seconds_count', { service_name: 'api' })).toBe(41);
    // A configuration that turns weighting off counts spans.
    const plain = connector({ weight_by_sampling_probability: false });
    plain.record(spanBatchFromSpans(spans));
    expect(sampleValue(plain.render(), 'traces_span_metrics_calls_total', { service_name: 'api' })).toBe(11);
  });

  it('normalises ids in route-like span names, and caps span names per service into __overflow__', () => {
    const d = deps();
    const c = connector({ span_name_limit_per_service: 3 }, d);
    const names = ['GET /users/123', 'GET /users/456', 'GET /orders/9f1c2a7e-1b2c-4d5e-8f90-a1b2c3d4e5f6/items', 'op-a', 'op-b', 'op-c', 'op-d'];
    c.record(spanBatchFromSpans(names.map((name) => makeSpan({ service: 'web', name }))));
    const text = c.render();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { span_name: 'GET /users/{id}' })).toBe(2);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { span_name: 'GET /orders/{id}/items' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { span_name: 'op-a' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { span_name: 'op-b' })).toBeUndefined();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { span_name: '__overflow__' })).toBe(3);
    expect(d.telemetry.render()).toMatch(/tracelight_spanmetrics_overflow_spans_total\{connector="spanmetrics",reason="span_name"\} 3/);
  });

  it('adds configured dimensions (span, then resource attributes, then the default) with a per-dimension value cap', () => {
    const c = connector({ dimensions: [{ name: 'http.request.method' }, { name: 'region', default: 'none' }], dimension_value_limit: 2 });
    const m = (v: string) => [{ key: 'http.request.method', value: v }];
    c.record(
      spanBatchFromSpans([
        makeSpan({ service: 's', name: 'op', attributes: m('GET') }),
        makeSpan({ service: 's', name: 'op', attributes: [...m('POST'), { key: 'region', value: 'eu' }] }),
        makeSpan({ service: 's', name: 'op', attributes: m('PUT') }),
        makeSpan({ service: 's', name: 'op' }),
      ]),
    );
    const text = c.render();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { http_request_method: 'GET', region: 'none' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { http_request_method: 'POST', region: 'eu' })).toBe(1);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { http_request_method: '__overflow__' })).toBe(1);
    // No attribute and no default: the label is left out.
    expect(text).toMatch(/traces_span_metrics_calls_total\{service_name="s",span_name="op",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET",region="none"\} 1/);
  });

  it('caps the series of a metric, counting the rest in one otel_metric_overflow series', () => {
    const d = deps();
    const c = connector({ aggregation_cardinality_limit: 5, span_name_limit_per_service: 1000 }, d);
    c.record(spanBatchFromSpans(Array.from({ length: 20 }, (_, i) => makeSpan({ service: `svc-${i}`, name: 'op' }))));
    const text = c.render();
    expect(c.stats().series).toBe(6);
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { otel_metric_overflow: 'true' })).toBe(15);
    expect(sampleValue(text, 'traces_span_metrics_calls_total')).toBe(20);
    expect(d.telemetry.render()).toMatch(/reason="series"\} 15/);
  });

  it('answers MetricsQuery from its time series: per step calls, errors and latency quantiles', () => {
    const c = connector({ time_series: { resolution: '1s', retention: '10m' } });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 120_000; // two minutes ago, on a minute boundary
    const spans = [];
    for (let i = 0; i < 100; i++) spans.push(makeSpan({ service: 'pay', name: 'charge', startMs: t0 + 1000 + i, durationMs: i < 50 ? 3 : 90 }));
    for (let i = 0; i < 10; i++) spans.push(makeSpan({ service: 'pay', name: 'charge', startMs: t0 + 61_000 + i, durationMs: 500, status: StatusCode.ERROR }));
    spans.push(makeSpan({ service: 'pay', name: 'refund', kind: SpanKind.CLIENT, startMs: t0 + 61_000 }));
    spans.push(makeSpan({ service: 'other', name: 'x', startMs: t0 + 1000 }));
    c.record(spanBatchFromSpans(spans));
    const ms = (x: number) => BigInt(x) * 1_000_000n;
    const out = c.query({ serviceNames: ['pay'], startTimeUnixNano: ms(t0), endTimeUnixNano: ms(t0 + 120_000), stepNano: ms(60_000), quantiles: [0.5, 0.95] });
    expect(out).toHaveLength(1);
    expect(out[0].serviceName).toBe('pay');
    expect(out[0].points.map((p) => [p.timeUnixNano, p.callCount, p.errorCount])).toEqual([
      [ms(t0), 100, 0],
      [ms(t0 + 60_000), 11, 10],
    ]);
    // p50 of 50×3ms and 50×90ms: the rank falls at the top of the (2ms, 4ms] bucket.
    expect(out[0].points[0].latencyQuantilesNano[0]).toBe(4e6);
    expect(out[0].points[0].latencyQuantilesNano[1]).toBeGreaterThan(50e6);
    expect(out[0].points[0].latencyQuantilesNano[1]).toBeLessThanOrEqual(100e6);
    const byOp = c.query({ serviceNames: ['pay'], groupByOperation: true, spanKinds: [SpanKind.SERVER], startTimeUnixNano: ms(t0), endTimeUnixNano: ms(t0 + 120_000), stepNano: ms(60_000) });
    expect(byOp.map((s) => s.operationName)).toEqual(['charge']);
    expect(byOp[0].points[1].callCount).toBe(10);
    expect(c.query({ startTimeUnixNano: ms(t0), endTimeUnixNano: ms(t0 + 120_000), stepNano: ms(60_000) }).map((s) => s.serviceName)).toEqual(['other', 'pay']);
  });

  it('counts kinds and statuses outside the OTLP enums as UNSPECIFIED / UNSET, in one series with the valid ones', () => {
    const c = connector();
    c.record(
      spanBatchFromSpans([
        makeSpan({ service: 'odd', name: 'op', kind: 9 as SpanKind, status: 7 as StatusCode }),
        makeSpan({ service: 'odd', name: 'op', kind: SpanKind.UNSPECIFIED }),
        makeSpan({ service: 'odd', name: 'op', kind: SpanKind.SERVER, status: StatusCode.ERROR }),
      ]),
    );
    const text = c.render();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'odd', span_kind: 'SPAN_KIND_UNSPECIFIED', status_code: 'STATUS_CODE_UNSET' })).toBe(2);
    expect(text.split('\n').filter((l) => l.startsWith('traces_span_metrics_calls_total{'))).toHaveLength(2);
  });

  it('rejects bad config at start-up with every problem named', () => {
    expect(() => spanMetricsConnectorFactory.validateConfig({ histogram: { explicit: { buckets: ['10ms', '5ms'] } }, dimensions: [{ name: 'span.name' }], bogus: 1 })).toThrow(ConfigError);
    try {
      spanMetricsConnectorFactory.validateConfig({ histogram: { explicit: { buckets: ['10ms', '5ms'] } }, dimensions: [{ name: 'span.name' }] });
    } catch (err) {
      expect((err as Error).message).toContain('must be increasing');
      expect((err as Error).message).toContain('"span.name" would become the label "span_name"');
    }
    expect(spanMetricsConnectorFactory.defaultConfig().endpoint).toEqual({ host: '127.0.0.1', port: 8889 });
  });

  it('serves its text on a port, in a form promtool accepts', async () => {
    const c = connector({ endpoint: '127.0.0.1:0', dimensions: [{ name: 'note' }] });
    await c.start();
    try {
      const odd = 'quote " backslash \\ newline \n end';
      c.record(spanBatchFromSpans([makeSpan({ service: 'a', name: 'op', attributes: [{ key: 'note', value: odd }] }), makeSpan({ service: 'a', name: 'op', traceState: 'ot=th:8' })]));
      const [l] = c.listeners();
      const res = await fetch(`http://127.0.0.1:${l.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await res.text();
      expect(text).toContain('note="quote \\" backslash \\\\ newline \\n end"');
      expect((await fetch(`http://127.0.0.1:${l.port}/other`)).status).toBe(404);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.error).toBeUndefined();
      expect(`${check.stdout}${check.stderr}`).toBe('');
      expect(check.status).toBe(0);
    } finally {
      await c.shutdown();
    }
  });
});
