// The raw-bytes service definitions in a real grpc-js server, fed by the real OTel JS OTLP/gRPC
// exporters, and called by a grpc-js client built from the same definitions.
import type { sendUnaryData, ServerUnaryCall, ServiceDefinition } from '@grpc/grpc-js';
import { Server, ServerCredentials, credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecord, Span } from '@tracelight/core';
import { logsOf, spansOf } from '@tracelight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLogsRequest, decodeTraceRequest } from './decode.js';
import { encodeExportResponse } from './encode.js';
import { logsServiceDefinition, traceServiceDefinition } from './grpc-service.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { expectedLog, expectedSpan, sdkLogRecords, sdkSpans } from './test-helpers/sdk-fixtures.js';
import { cat, id, len, str, traceRequest } from './test-helpers/proto-bytes.js';

// Type-level check: the definitions are grpc-js ServiceDefinitions without a cast.
const asGrpc: ServiceDefinition[] = [traceServiceDefinition, logsServiceDefinition];

const received = { spans: [] as Span[], logs: [] as LogRecord[] };
let server: Server;
let port: number;

function handler<B>(decode: (body: Uint8Array) => { batch: B; rejected: number; errorMessage: string }, sink: (batch: B) => void, signal: 'traces' | 'logs') {
  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Uint8Array>) => {
    try {
      const { batch, rejected, errorMessage } = decode(call.request);
      sink(batch);
      callback(null, encodeExportResponse(signal, { rejected, errorMessage }, 'protobuf'));
    } catch (err) {
      callback({ code: 3, details: err instanceof OtlpDecodeError ? err.message : 'internal' }, null);
    }
  };
}

beforeAll(async () => {
  server = new Server();
  server.addService(asGrpc[0], {
    Export: handler((b) => decodeTraceRequest(b, 'protobuf'), (batch) => received.spans.push(...spansOf(batch)), 'traces'),
  });
  server.addService(asGrpc[1], {
    Export: handler((b) => decodeLogsRequest(b, 'protobuf'), (batch) => received.logs.push(...logsOf(batch)), 'logs'),
  });
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function exportWith<T>(exporter: { export(items: T[], cb: (r: { code: number; error?: Error }) => void): void }, items: T[]) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(items, resolve));
}

describe('OTLP/gRPC service definitions', () => {
  it('receive spans from the OTel JS gRPC trace exporter', async () => {
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` });
    const sdk = sdkSpans({ nonFiniteDoubles: true });
    const result = await exportWith(exporter, sdk);
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    const byId = new Map(received.spans.map((s) => [s.spanId, s]));
    for (const s of sdk) expect(byId.get(s.spanContext().spanId)).toEqual(expectedSpan(s));
    // grpc-js hands the request over as a Buffer: bytes values must still be plain copies.
    const bytes = byId.get('b7ad6b7169203331')!.attributes.find((kv) => kv.key === 'bytes')!.value as Uint8Array;
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.buffer.byteLength).toBe(5);
  });

  it('receive log records from the OTel JS gRPC logs exporter', async () => {
    const exporter = new OTLPLogExporter({ url: `http://127.0.0.1:${port}` });
    const sdk = sdkLogRecords();
    const result = await exportWith(exporter, sdk);
    await exporter.shutdown();
    expect(result.code).toBe(0);
    for (const r of sdk) expect(received.logs).toContainEqual(expectedLog(r));
  });

  it('pass raw bytes both ways: a partial success reaches a grpc-js client intact', async () => {
    const Client = makeGenericClientConstructor(traceServiceDefinition, 'TraceService');
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
      Export(req: Uint8Array, cb: (err: Error | null, res?: Buffer) => void): void;
      close(): void;
    };
    try {
      const body = traceRequest([cat(len(1, id(16)), len(2, id(7)), str(5, 'seven-byte span id'))]);
      const response = await new Promise<Buffer>((resolve, reject) => client.Export(body, (err, res) => (err ? reject(err) : resolve(res!))));
      expect(ProtobufTraceSerializer.deserializeResponse(response)).toEqual({
        partialSuccess: { rejectedSpans: 1, errorMessage: '1 span rejected: span_id not 8 bytes or all zero' },
      });
      const error = await new Promise<Error & { code?: number }>((resolve) => client.Export(new Uint8Array([0x0a, 0x05]), (err) => resolve(err!)));
      expect(error.code).toBe(3);
      expect(error.message).toContain('truncated');
    } finally {
      client.close();
    }
  });
});
