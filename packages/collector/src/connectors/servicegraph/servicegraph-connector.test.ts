import { spawnSync } from 'node:child_process';
import { encodeThreshold, probabilityToThreshold, spanBatchFromSpans, SpanKind, StatusCode } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../telemetry/metrics-registry.js';
import { makeSpan, nextId, sampleValue } from '../internal/test-spans.js';
import { createServiceGraphConnector, serviceGraphConnectorFactory } from './servicegraph-connector.js';

const deps = () => ({ id: 'servicegraph', telemetry: createMetricsRegistry() });
const connector = (config: unknown = {}, d = deps()) => createServiceGraphConnector(serviceGraphConnectorFactory.validateConfig(config), d);

/** A client span in `from` and its server child in `to`, same trace. */
function call(from: string, to: string, options: { clientMs?: number; serverMs?: number; serverStatus?: StatusCode; traceState?: string; startMs?: number; messaging?: boolean } = {}) {
  const traceId = nextId(16);
  const clientId = nextId(8);
  const startMs = options.startMs ?? Date.now() - 100;
  const client = makeSpan({ service: from, name: `call ${to}`, kind: options.messaging ? SpanKind.PRODUCER : SpanKind.CLIENT, traceId, spanId: clientId, parentSpanId: nextId(8), durationMs: options.clientMs ?? 20, startMs, traceState: options.traceState });
  const server = makeSpan({ service: to, name: 'handle', kind: options.messaging ? SpanKind.CONSUMER : SpanKind.SERVER, traceId, parentSpanId: clientId, durationMs: options.serverMs ?? 15, startMs: startMs + 2, status: options.serverStatus, traceState: options.traceState });
  return { client, server };
}

describe('servicegraph connector', () => {
  it('pairs client and server spans in one batch and across batches into edges with counts, failures and latencies', () => {
    const c = connector();
    const a = call('frontend', 'cart');
    const b = call('frontend', 'cart', { serverStatus: StatusCode.ERROR, serverMs: 300 });
    const d = call('cart', 'db-proxy', { messaging: true });
    c.record(spanBatchFromSpans([a.server, a.client, b.client, d.client]));
    expect(c.stats().pending).toBe(2);
    c.record(spanBatchFromSpans([b.server, d.server]));
    expect(c.stats().pending).toBe(0);
    const text = c.render();
    const edge = { client: 'frontend', server: 'cart' };
    expect(sampleValue(text, 'traces_service_graph_request_total', edge)).toBe(2);
    expect(sampleValue(text, 'traces_service_graph_request_failed_total', edge)).toBe(1);
    expect(sampleValue(text, 'traces_service_graph_request_server_seconds_bucket', { ...edge, le: '0.1' })).toBe(1);
    expect(sampleValue(text, 'traces_service_graph_request_server_seconds_bucket', { ...edge, le: '0.4' })).toBe(2);
    expect(sampleValue(text, 'traces_service_graph_request_client_seconds_count', edge)).toBe(2);
    expect(sampleValue(text, 'traces_service_graph_request_total', { client: 'cart', server: 'db-proxy', connection_type: 'messaging_system' })).toBe(1);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('weights edges by the sampling probability and feeds dependencies per time bucket', () => {
    const c = connector();
    const th = `ot=th:${encodeThreshold(probabilityToThreshold(0.5))}`;
    const now = Date.now();
    const spans = [];
    for (let i = 0; i < 3; i++) {
      const x = call('web', 'api', { traceState: th, startMs: now - 1000, serverStatus: i === 0 ? StatusCode.ERROR : StatusCode.UNSET });
      spans.push(x.client, x.server);
    }
    const self = call('api', 'api');
    spans.push(self.client, self.server);
    c.record(spanBatchFromSpans(spans));
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'web', server: 'api' })).toBe(6);
    const ns = (ms: number) => BigInt(ms) * 1_000_000n;
    expect(c.dependencies({ startTimeUnixNano: ns(now - 60_000), endTimeUnixNano: ns(now) })).toEqual([{ parent: 'web', child: 'api', callCount: 6, errorCount: 2 }]);
    expect(c.dependencies({ startTimeUnixNano: ns(now - 7_200_000), endTimeUnixNano: ns(now - 3_600_000) })).toEqual([]);
  });

  it('expires unpaired halves after the ttl; a client span naming its peer becomes a virtual-node edge, a database call at once', () => {
    const d = deps();
    const c = connector({ store: { ttl: '50ms' } }, d);
    const lonelyServer = call('x', 'y').server;
    const toLegacy = makeSpan({ service: 'orders', name: 'POST', kind: SpanKind.CLIENT, parentSpanId: nextId(8), attributes: [{ key: 'peer.service', value: 'legacy-billing' }] });
    const dbCall = makeSpan({ service: 'orders', name: 'SELECT', kind: SpanKind.CLIENT, parentSpanId: nextId(8), attributes: [{ key: 'db.system', value: 'postgresql' }, { key: 'db.name', value: 'shop' }] });
    c.record(spanBatchFromSpans([lonelyServer, toLegacy, dbCall]));
    expect(c.stats().pending).toBe(2);
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'orders', server: 'shop', connection_type: 'database' })).toBe(1);
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'orders', server: 'legacy-billing' })).toBeUndefined();
    c.expire(Date.now() + 1000);
    expect(c.stats().pending).toBe(0);
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'orders', server: 'legacy-billing', connection_type: 'virtual_node' })).toBe(1);
    const self = d.telemetry.render();
    expect(self).toMatch(/tracelight_servicegraph_expired_spans_total\{connector="servicegraph",side="server",outcome="expired"\} 1/);
    expect(self).toMatch(/side="client",outcome="virtual_node"\} 1/);
    // Without virtual nodes, an unpaired client span is only counted.
    const plain = connector({ virtual_node_peer_attributes: [] });
    plain.record(spanBatchFromSpans([dbCall]));
    expect(plain.stats().pending).toBe(1);
  });

  it('keeps the wait store bounded: the oldest half is pushed out when full', () => {
    const d = deps();
    const c = connector({ store: { max_items: 3 }, virtual_node_peer_attributes: [] }, d);
    const calls = Array.from({ length: 5 }, () => call('a', 'b'));
    c.record(spanBatchFromSpans(calls.map((x) => x.client)));
    expect(c.stats().pending).toBe(3);
    expect(d.telemetry.render()).toMatch(/outcome="evicted"\} 2/);
    // The first two clients were pushed out; the last three still pair.
    c.record(spanBatchFromSpans(calls.slice(2).map((x) => x.server)));
    expect(c.stats().pending).toBe(0);
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'a', server: 'b' })).toBe(3);
  });

  it('ignores duplicates of a half (retried exports) and server spans without a parent', () => {
    const c = connector();
    const x = call('a', 'b');
    const root = makeSpan({ service: 'b', name: 'root', kind: SpanKind.SERVER });
    c.record(spanBatchFromSpans([x.client, x.client, root]));
    expect(c.stats().pending).toBe(1);
    c.record(spanBatchFromSpans([x.server]));
    expect(sampleValue(c.render(), 'traces_service_graph_request_total', { client: 'a', server: 'b' })).toBe(1);
  });
});
