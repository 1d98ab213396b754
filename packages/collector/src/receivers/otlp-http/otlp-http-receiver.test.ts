import { gzipSync } from 'node:zlib';
import type { LogBatch, SpanBatch } from '@tracelight/core';
import { logBatchFromRecords, spanBatchFromSpans, TracelightError } from '@tracelight/core';
import { encodeLogsRequest, encodeTraceRequest } from '@tracelight/otlp';
import type { StoreWriter } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../component.js';
import { storeExporterFactory } from '../../exporters/store/store-exporter.js';
import { ListenError } from '../../listen-error.js';
import { logRecords, spans } from '../../internal/test-data.js';
import type { Receiver } from '../receiver.js';
import { otlpFormatOf, otlpHttpReceiverFactory } from './otlp-http-receiver.js';

const running: Receiver[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function startReceiver(store: StoreWriter, config: object = {}): Promise<{ receiver: Receiver; url: string }> {
  const exporter = storeExporterFactory.create({}, { store });
  const receiver = otlpHttpReceiverFactory.create(otlpHttpReceiverFactory.validateConfig({ port: 0, ...config }), {
    next: { traces: exporter, logs: exporter },
  });
  running.push(receiver);
  await receiver.start();
  return { receiver, url: `http://127.0.0.1:${receiver.address()!.port}` };
}

function postTraces(url: string, batch: SpanBatch, headers: Record<string, string> = {}, body?: Uint8Array) {
  return fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...headers },
    body: body ?? encodeTraceRequest(batch, 'protobuf'),
  });
}

/** A writer in front of a real memory store that holds every write until released. */
function gatedStore() {
  const store = createMemoryStore();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let writes = 0;
  const writer: StoreWriter = {
    async writeSpans(batch: SpanBatch) {
      writes++;
      await gate;
      await store.writeSpans(batch);
    },
    async writeLogs(batch: LogBatch) {
      await gate;
      await store.writeLogs(batch);
    },
  };
  return { store, writer, release, writes: () => writes };
}

describe('OTLP/HTTP receiver', () => {
  it('answers only after the store committed the batch', async () => {
    const g = gatedStore();
    const { url } = await startReceiver(g.writer);
    const batch = spanBatchFromSpans(spans('ack'));
    let answered = false;
    const response = postTraces(url, batch).then((r) => ((answered = true), r));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(g.writes()).toBe(1);
    expect(answered).toBe(false);
    g.release();
    expect((await response).status).toBe(200);
    const [trace] = await g.store.getTraces([spans('ack')[0].traceId]);
    expect(trace.spans).toHaveLength(batch.length);
  });

  it('a retryable store refusal is 503 with Retry-After; a permanent one 500', async () => {
    let error = new TracelightError('STORE_BUSY', 'write queue full', { retryable: true, retryAfterMs: 2500 });
    const refusing: StoreWriter = {
      writeSpans: () => Promise.reject(error),
      writeLogs: () => Promise.reject(error),
    };
    const { receiver, url } = await startReceiver(refusing);
    const batch = spanBatchFromSpans(spans('busy'));
    const busy = await postTraces(url, batch, { 'content-type': 'application/json' }, encodeTraceRequest(batch, 'json'));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect(await busy.json()).toEqual({ code: 14, message: 'write queue full' });

    error = new TracelightError('STORE_CLOSED', 'store is shut down');
    const closed = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: encodeLogsRequest(logBatchFromRecords(logRecords('closed')), 'json'),
    });
    expect(closed.status).toBe(500);
    expect(closed.headers.get('retry-after')).toBeNull();
    expect(await closed.json()).toEqual({ code: 13, message: 'store is shut down' });
    expect(receiver.counters.spans).toEqual({ received: batch.length, accepted: 0, rejected: 0, refused: batch.length });
    expect(receiver.counters.logs.refused).toBe(logRecords('closed').length);
    expect(receiver.counters.requests.refused).toBe(2);
  });

  it('a real memory store that was shut down refuses permanently: 500', async () => {
    const store = createMemoryStore();
    await store.start();
    await store.shutdown();
    const { url } = await startReceiver(store);
    const res = await postTraces(url, spanBatchFromSpans(spans('after-shutdown')));
    expect(res.status).toBe(500);
  });

  it('counts requests, items and bytes', async () => {
    const store = createMemoryStore();
    const { receiver, url } = await startReceiver(store, { maxBodyBytes: 64 * 1024 });
    const batch = spanBatchFromSpans(spans('count'));
    const body = encodeTraceRequest(batch, 'protobuf');
    const gz = gzipSync(body);
    expect((await postTraces(url, batch)).status).toBe(200);
    expect((await postTraces(url, batch, { 'content-encoding': 'gzip' }, gz)).status).toBe(200);
    expect((await postTraces(url, batch, {}, new Uint8Array([0xff, 0xff]))).status).toBe(400);
    expect((await postTraces(url, batch, {}, new Uint8Array(64 * 1024 + 1))).status).toBe(413);
    expect((await fetch(`${url}/v1/nothing`, { method: 'POST' })).status).toBe(404);
    const c = receiver.counters;
    expect(c.requests).toEqual({ total: 5, ok: 2, invalid: 1, tooLarge: 1, unsupported: 1, refused: 0, aborted: 0, throttled: 0 });
    expect(c.spans).toEqual({ received: 2 * batch.length, accepted: 2 * batch.length, rejected: 0, refused: 0 });
    expect(c.bytesReceived).toBe(body.length + gz.length + 2);
    expect(c.bytesDecoded).toBe(2 * body.length + 2);
  });

  it('shutdown lets an in-flight request finish, is idempotent, and frees the port', async () => {
    const g = gatedStore();
    const { receiver, url } = await startReceiver(g.writer);
    const response = postTraces(url, spanBatchFromSpans(spans('inflight')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const first = receiver.shutdown();
    expect(receiver.shutdown()).toBe(first);
    g.release();
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await first;
    await expect(fetch(`${url}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  });

  it('validates its config at start-up', () => {
    expect(() => otlpHttpReceiverFactory.validateConfig({ port: 70000, maxBodyBytes: 0, prot: 1 })).toThrow(ConfigError);
    try {
      otlpHttpReceiverFactory.validateConfig({ port: 70000, maxBodyBytes: 0, prot: 1 });
    } catch (err) {
      expect((err as ConfigError).code).toBe('CONFIG_INVALID');
      expect((err as Error).message).toContain('unknown key "prot"');
      expect((err as Error).message).toContain('"port" must be an integer from 0 to 65535');
      expect((err as Error).message).toContain('"maxBodyBytes" must be a positive integer');
    }
    expect(otlpHttpReceiverFactory.validateConfig(undefined)).toEqual({
      host: '127.0.0.1',
      port: 4318,
      maxBodyBytes: 20 * 1024 * 1024,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('a port in use is a ListenError with code ADDRESS_IN_USE', async () => {
    const { receiver } = await startReceiver(createMemoryStore());
    const port = receiver.address()!.port;
    const second = otlpHttpReceiverFactory.create(otlpHttpReceiverFactory.validateConfig({ port }), { next: {} });
    const err = await second.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ListenError);
    expect((err as ListenError).code).toBe('ADDRESS_IN_USE');
    expect((err as ListenError).message).toBe(`otlp-http: port ${port} on 127.0.0.1 is already in use`);
    await second.shutdown();
  });

  it('a signal without a consumer is not served', async () => {
    const store = createMemoryStore();
    const exporter = storeExporterFactory.create({}, { store });
    const receiver = otlpHttpReceiverFactory.create(otlpHttpReceiverFactory.validateConfig({ port: 0 }), { next: { traces: exporter } });
    running.push(receiver);
    await receiver.start();
    const res = await fetch(`http://127.0.0.1:${receiver.address()!.port}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
  });

  it('reads the format from the Content-Type', () => {
    expect(otlpFormatOf('application/x-protobuf')).toBe('protobuf');
    expect(otlpFormatOf('application/protobuf')).toBe('protobuf');
    expect(otlpFormatOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(otlpFormatOf('text/json')).toBeUndefined();
    expect(otlpFormatOf(undefined)).toBeUndefined();
  });
});
