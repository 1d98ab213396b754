import { connect as http2Connect } from 'node:http2';
import { gzipSync } from 'node:zlib';
import type { Client, Metadata, ServiceError } from '@grpc/grpc-js';
import { credentials, makeGenericClientConstructor, status as GrpcStatus } from '@grpc/grpc-js';
import { spanBatchFromSpans, TracelightError } from '@tracelight/core';
import { encodeTraceRequest, traceServiceDefinition } from '@tracelight/otlp';
import type { StoreWriter } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterEach, describe, expect, it } from 'vitest';
import { storeExporterFactory } from '../../exporters/store/store-exporter.js';
import { spans } from '../../internal/test-data.js';
import type { Receiver } from '../receiver.js';
import { otlpGrpcReceiverFactory } from './otlp-grpc-receiver.js';

const running: Receiver[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function startReceiver(store: StoreWriter, config: object = {}): Promise<Receiver> {
  const exporter = storeExporterFactory.create({}, { store });
  const receiver = otlpGrpcReceiverFactory.create(otlpGrpcReceiverFactory.validateConfig({ port: 0, ...config }), {
    next: { traces: exporter, logs: exporter },
  });
  running.push(receiver);
  await receiver.start();
  return receiver;
}

type Outcome = { ok: true; response: Buffer } | { ok: false; code: number; details: string; metadata: Metadata };

function exportTraces(port: number, body: Uint8Array, options: { gzip?: boolean } = {}): Promise<Outcome> {
  const Ctor = makeGenericClientConstructor(traceServiceDefinition, 'TraceService');
  const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.default_compression_algorithm': options.gzip ? 2 : 0 });
  clients.push(client);
  const call = (client as unknown as Record<string, (r: Buffer, cb: (e: ServiceError | null, r?: Buffer) => void) => void>).Export;
  return new Promise((resolve) =>
    call.call(client, Buffer.from(body), (err, res) =>
      resolve(err ? { ok: false, code: err.code, details: err.details, metadata: err.metadata } : { ok: true, response: res! }),
    ),
  );
}

/** One gRPC call over a bare HTTP/2 stream: the 5-byte message prefix and headers written by hand. */
function rawGrpcCall(port: number, message: Uint8Array, compressed: boolean): Promise<{ grpcStatus: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(compressed ? { 'grpc-encoding': 'gzip' } : {}),
    });
    const prefix = Buffer.alloc(5);
    prefix[0] = compressed ? 1 : 0;
    prefix.writeUInt32BE(message.length, 1);
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    let grpcStatus = '';
    stream.on('trailers', (t) => (grpcStatus = String(t['grpc-status'])));
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
    });
    stream.on('end', () => {
      session.close();
      resolve({ grpcStatus, body: Buffer.concat(chunks) });
    });
    stream.end(Buffer.concat([prefix, message]));
  });
}

describe('OTLP/gRPC receiver', () => {
  it('stores an export and answers OK only after the write', async () => {
    const store = createMemoryStore();
    const receiver = await startReceiver(store);
    const batch = spanBatchFromSpans(spans('grpc'));
    const out = await exportTraces(receiver.address()!.port, encodeTraceRequest(batch, 'protobuf'));
    expect(out.ok).toBe(true);
    const [trace] = await store.getTraces([spans('grpc')[0].traceId]);
    expect(trace.spans).toHaveLength(3);
    expect(receiver.counters.spans.accepted).toBe(3);
  });

  it('decompresses a message sent with grpc-encoding: gzip (checked on a hand-made HTTP/2 call)', async () => {
    const store = createMemoryStore();
    const receiver = await startReceiver(store);
    const body = encodeTraceRequest(spanBatchFromSpans(spans('gzip-raw')), 'protobuf');
    const result = await rawGrpcCall(receiver.address()!.port, gzipSync(body), true);
    expect(result.grpcStatus).toBe('0');
    expect((await store.getTraces([spans('gzip-raw')[0].traceId]))[0].spans).toHaveLength(3);
    expect(receiver.counters.bytesReceived).toBe(body.length); // the size after grpc-js inflated it
  });

  it('refuses a message over the limit with RESOURCE_EXHAUSTED, also when it only inflates past it', async () => {
    const receiver = await startReceiver(createMemoryStore(), { maxMessageBytes: 4096 });
    const port = receiver.address()!.port;
    const padded = new Uint8Array(10_000); // an unknown field (99) of 9,996 zero bytes: valid, just big
    padded.set([0x9a, 0x06, 0x8c, 0x4e]);
    const plain = await exportTraces(port, padded);
    expect(plain).toMatchObject({ ok: false, code: GrpcStatus.RESOURCE_EXHAUSTED });
    const bomb = await rawGrpcCall(port, gzipSync(padded), true);
    expect(gzipSync(padded).length).toBeLessThan(4096);
    expect(bomb.grpcStatus).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
    expect(receiver.counters.requests.tooLarge).toBe(2);
    expect(receiver.counters.requests.total).toBe(2);
  });

  it('garbage is INVALID_ARGUMENT; a refusing store is UNAVAILABLE (retryable) or INTERNAL', async () => {
    let error = new TracelightError('STORE_BUSY', 'queue full', { retryable: true, retryAfterMs: 1200 });
    const refusing: StoreWriter = { writeSpans: () => Promise.reject(error), writeLogs: () => Promise.reject(error) };
    const receiver = await startReceiver(refusing);
    const port = receiver.address()!.port;
    expect(await exportTraces(port, new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({ ok: false, code: GrpcStatus.INVALID_ARGUMENT });
    const body = encodeTraceRequest(spanBatchFromSpans(spans('refused')), 'protobuf');
    const busy = await exportTraces(port, body);
    expect(busy).toMatchObject({ ok: false, code: GrpcStatus.UNAVAILABLE, details: 'queue full' });
    if (!busy.ok) expect(busy.metadata.get('retry-after')).toEqual(['2']);
    error = new TracelightError('STORE_CLOSED', 'closed');
    expect(await exportTraces(port, body)).toMatchObject({ ok: false, code: GrpcStatus.INTERNAL });
    expect(receiver.counters.requests).toMatchObject({ total: 3, invalid: 1, refused: 2 });
  });

  it('shutdown is idempotent and frees the port', async () => {
    const receiver = await startReceiver(createMemoryStore());
    const port = receiver.address()!.port;
    await Promise.all([receiver.shutdown(), receiver.shutdown()]);
    const again = otlpGrpcReceiverFactory.create(otlpGrpcReceiverFactory.validateConfig({ port }), { next: {} });
    await again.start();
    expect(again.address()!.port).toBe(port);
    await again.shutdown();
  });
});
