// `tracelight start` with the default config runs the span metrics and service graph connectors
// (8889) and the remote sampling API (5778); here on free ports through --span-metrics-port 0 and
// --sampling-port 0. OTLP/HTTP protobuf (our encoder) in, Prometheus text and strategies out.
import { spawnSync } from 'node:child_process';
import { spanBatchFromSpans, SpanKind } from '@tracelight/core';
import { encodeTraceRequest } from '@tracelight/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSpan, nextId, sampleValue } from '../../packages/collector/src/connectors/internal/test-spans.js';
import type { RunningTracelight } from './helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from './helpers/tracelight.js';

let tl: RunningTracelight;

beforeAll(async () => {
  tl = await startTracelight();
}, 120_000);

afterAll(async () => {
  await stopAllTracelights();
});

const listenerPort = (name: RegExp) => {
  const m = name.exec(tl.stdout());
  if (!m) throw new Error(`no ${name} in:\n${tl.stdout()}`);
  return Number(m[1]);
};

describe('tracelight start: span metrics, service graph and sampling by default', () => {
  it('lists the ports, derives metrics and edges from OTLP spans, and serves sampling strategies', async () => {
    const metricsPort = listenerPort(/span metrics\s+http:\/\/\S+:(\d+)\/metrics/);
    const samplingPort = listenerPort(/sampling\s+http:\/\/\S+:(\d+)\/api\/sampling/);
    const spans = [];
    for (let i = 0; i < 5; i++) {
      const traceId = nextId(16);
      const client = makeSpan({ service: 'cli-web', name: 'GET', kind: SpanKind.CLIENT, traceId, parentSpanId: nextId(8) });
      spans.push(client, makeSpan({ service: 'cli-api', name: `GET /users/${i + 10}`, kind: SpanKind.SERVER, traceId, parentSpanId: client.spanId }));
    }
    const res = await fetch(`${tl.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf') });
    expect(res.status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(sampleValue(text, 'traces_span_metrics_calls_total', { service_name: 'cli-api', span_name: 'GET /users/{id}', span_kind: 'SPAN_KIND_SERVER' })).toBe(5);
    expect(sampleValue(text, 'traces_service_graph_request_total', { client: 'cli-web', server: 'cli-api' })).toBe(5);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    const strategy = await (await fetch(`http://127.0.0.1:${samplingPort}/api/sampling?service=cli-api`)).json();
    expect(strategy).toEqual({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 } });
    // The query API on the HTTP port answers the same strategy, and dependencies from the service graph.
    expect(await (await fetch(`${tl.apiUrl}/api/sampling?service=cli-api`)).json()).toEqual(strategy);
    const deps = (await (await fetch(`${tl.apiUrl}/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`)).json()) as { data: unknown[] };
    expect(deps.data).toContainEqual({ parent: 'cli-web', child: 'cli-api', callCount: 5 });
  }, 60_000);
});
