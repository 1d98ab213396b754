import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { spanBatchFromSpans } from '@tracelight/core';
import { encodeTraceRequest } from '@tracelight/otlp';
import { createMemoryStore } from '@tracelight/store';
import { describe, expect, it } from 'vitest';
import { createCollector } from './collector.js';
import { ConfigError } from './component.js';
import { spans } from './internal/test-data.js';
import { ListenError } from './listen-error.js';

/** A config on free ports: OTLP (both protocols) into the store. */
function config(extra: { grpcPort?: number } = {}) {
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${extra.grpcPort ?? 0}` }, http: { endpoint: '127.0.0.1:0' } } } },
    processors: { batch: {} },
    exporters: { store: {} },
    service: {
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['store'] } },
      telemetry: { metrics: { address: '127.0.0.1:0' } },
    },
  };
}

describe('createCollector', () => {
  it('rejects a bad config before anything listens, naming every problem', () => {
    const store = createMemoryStore();
    const bad = {
      receivers: { otlp: { protocols: { http: { endpoint: 'nowhere' } } }, bogus: {} },
      processors: { batch: { timeout: 'soon', extra: 1 } },
      exporters: { store: {} },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['batch', 'missing'], exporters: ['store'] }, metrics: { receivers: ['otlp'], exporters: ['store'] } } },
    };
    let err: unknown;
    try {
      createCollector({ store, config: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('receivers.otlp.protocols.http.endpoint: must be an endpoint "host:port"');
    expect(message).toContain('receivers.bogus: unknown receiver type "bogus" (known: otlp, zipkin)');
    expect(message).toContain('processors.batch.timeout: must be a duration such as "200ms" or "5s" (got "soon")');
    expect(message).toContain('processors.batch.extra: unknown key');
    expect(message).toContain('service.pipelines.traces.processors: "missing" is not configured under processors');
    expect(message).toContain('service.pipelines.metrics: a pipeline is named after its signal');
    expect(() => createCollector({ store, config: { ...config(), extra: 1 } })).toThrow(/extra: unknown top-level key/);
    expect(() => createCollector({ store, config: { ...config(), receivers: { zipkin: {} }, service: { pipelines: { logs: { receivers: ['zipkin'], exporters: ['store'] } } } } })).toThrow(
      /"zipkin" does not handle logs/,
    );
  });

  it('runs OTLP into the store, serves self-metrics, and shuts down in order', async () => {
    const store = createMemoryStore();
    const collector = createCollector({ store, config: config() });
    await collector.start();
    expect([...collector.receivers.keys()]).toEqual(['otlp']);
    expect(collector.listeners().map((l) => l.name)).toEqual(['OTLP/gRPC', 'OTLP/HTTP', 'metrics']);
    const http = collector.listeners().find((l) => l.name === 'OTLP/HTTP')!;
    const res = await fetch(`http://127.0.0.1:${http.port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTraceRequest(spanBatchFromSpans(spans('collector')), 'protobuf'),
    });
    expect(res.status).toBe(200);
    expect((await store.getTraces([spans('collector')[0].traceId]))[0].spans).toHaveLength(3);
    const metricsPort = collector.listeners().find((l) => l.name === 'metrics')!.port;
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('otelcol_receiver_accepted_spans_total{receiver="otlp"} 3');
    await collector.shutdown();
    await expect(fetch(`http://127.0.0.1:${http.port}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  });

  it('when one receiver cannot listen, everything started is stopped and the error is passed on', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const collector = createCollector({ store: createMemoryStore(), config: config({ grpcPort: taken }) });
      const err = await collector.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).component).toBe('otlp-grpc');
      expect((err as ListenError).port).toBe(taken);
      expect((err as ListenError).code).toBe('ADDRESS_IN_USE');
      expect(collector.listeners()).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('without a config it runs the default pipelines', () => {
    const collector = createCollector({ store: createMemoryStore() });
    expect([...collector.receivers.keys()]).toEqual(['otlp', 'zipkin']);
    expect(Object.keys(collector.config.service.pipelines)).toEqual(['traces', 'logs']);
    expect(collector.config.service.pipelines.traces.processors).toEqual(['memory_limiter', 'batch']);
  });
});
