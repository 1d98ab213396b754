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

describe('createCollector', () => {
  it('rejects bad receiver config before anything listens', () => {
    const store = createMemoryStore();
    expect(() => createCollector({ store, receivers: { 'otlp-http': { port: -1 } } })).toThrow(ConfigError);
    expect(() => createCollector({ store, receivers: { 'otlp-grpc': { maxBodyBytes: 5 } as never } })).toThrow(/otlp-grpc: unknown key "maxBodyBytes"/);
  });

  it('runs both receivers into the store and shuts down in order', async () => {
    const store = createMemoryStore();
    const collector = createCollector({ store, receivers: { 'otlp-http': { port: 0 }, 'otlp-grpc': { port: 0 } } });
    await collector.start();
    expect(collector.receivers.map((r) => r.type)).toEqual(['otlp-http', 'otlp-grpc']);
    const http = collector.receiver('otlp-http')!.address()!;
    const res = await fetch(`http://127.0.0.1:${http.port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTraceRequest(spanBatchFromSpans(spans('collector')), 'protobuf'),
    });
    expect(res.status).toBe(200);
    expect((await store.getTraces([spans('collector')[0].traceId]))[0].spans).toHaveLength(3);
    await collector.shutdown();
    await expect(fetch(`http://127.0.0.1:${http.port}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  });

  it('when one receiver cannot listen, the ones already started are stopped and the error is passed on', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const collector = createCollector({ store: createMemoryStore(), receivers: { 'otlp-http': { port: 0 }, 'otlp-grpc': { port: taken } } });
      const err = await collector.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ListenError);
      expect((err as ListenError).component).toBe('otlp-grpc');
      expect((err as ListenError).port).toBe(taken);
      expect((err as ListenError).code).toBe('ADDRESS_IN_USE');
      // The HTTP receiver that did start has been shut down again.
      const port = collector.receiver('otlp-http')!.address();
      expect(port).toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it('a receiver can be turned off', () => {
    const collector = createCollector({ store: createMemoryStore(), receivers: { 'otlp-grpc': false } });
    expect(collector.receivers.map((r) => r.type)).toEqual(['otlp-http']);
  });
});
