// The real OpenTelemetry JS exporters (gRPC, HTTP/protobuf, HTTP/JSON; with and without gzip)
// send to a real `tracelight start` child process; every field of every span and log record must
// read back from its store exactly as the SDK recorded it.
import type { Context, Link } from '@opentelemetry/api';
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bySeq, bySpanId, fetchLogs, fetchTrace } from './helpers/debug-api.js';
// The OTLP mapping of SDK records, shared with @tracelight/otlp's interop tests.
import { expectedLog, expectedSpan } from '../../packages/otlp/src/test-helpers/sdk-fixtures.js';
import type { RunningTracelight } from './helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from './helpers/tracelight.js';

let tl: RunningTracelight;

beforeAll(async () => {
  tl = await startTracelight();
});

afterAll(async () => {
  await stopAllTracelights();
});

const GZIP = 'gzip' as CompressionAlgorithm;
const NONE = 'none' as CompressionAlgorithm;

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

function exportWith<T>(exporter: { export(items: T[], done: (r: ExportResult) => void): void }, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

/** Spans that use everything the SDK can express, recorded in memory. */
async function makeSpans(run: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(
      { 'service.name': `e2e-${run}`, 'service.version': '1.0.0', 'host.cores': 2, 'deploy.canary': false, 'deploy.weights': [0.5, 0.25] },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
    ),
    spanLimits: { attributeCountLimit: 40, eventCountLimit: 3, linkCountLimit: 2 },
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('e2e-scope', '1.2.3', { schemaUrl: 'https://example.com/scope-schema' });
  const other = provider.getTracer('e2e-other-scope');
  const traceId = randomHex(16);
  // A remote parent with trace state: its children carry the "parent is remote" flag bits.
  const remote: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: randomHex(8),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=abc,other=x-y'),
  });
  const t0 = 1_700_000_000;
  const root = tracer.startSpan(
    'GET /orders/{id}',
    {
      kind: SpanKind.SERVER,
      startTime: [t0, 123_456_789],
      attributes: {
        'test.run': run,
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'int.negative': -42,
        'int.max_safe': Number.MAX_SAFE_INTEGER,
        'double.value': 3.25,
        'double.negative': -0.5,
        'bool.value': true,
        'strings': ['a', 'b', ''],
        'ints': [1, 2, 3],
        'doubles': [1.5, 2.5],
        'bools': [true, false],
        'bytes': new Uint8Array([0, 1, 2, 254, 255]),
        'kvlist': { a: 'b', n: 7, nested: { deep: [1, 'x', true] } },
        'nested.arrays': [[1, 2], ['a'], []],
        'empty.string': '',
        'unicode': 'grüße, 世界, 🙂',
      },
    },
    remote,
  );
  root.addEvent('cache.miss', { key: 'order:42', attempt: 2 }, [t0, 200_000_001]);
  root.addEvent('no-attributes', [t0, 200_000_002]);
  root.addEvent('third', { list: ['x'] }, [t0, 200_000_003]);
  root.addEvent('dropped: over the event limit', [t0, 200_000_004]);
  for (let i = 0; i < 45; i++) root.setAttribute(`extra.${i}`, i); // some go over the attribute limit
  root.setStatus({ code: SpanStatusCode.OK });

  const links: Link[] = [
    {
      context: { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: createTraceState('k=v') },
      attributes: { 'link.kind': 'follows', 'link.n': 1 },
    },
    { context: { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.NONE } },
    { context: { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED } }, // dropped: over the link limit
  ];
  const rootContext = trace.setSpan(remote, root);
  const kinds = [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
  kinds.forEach((kind, i) => {
    const child = (i % 2 === 0 ? tracer : other).startSpan(`child-${i}`, { kind, startTime: [t0, 300_000_000 + i], links: i === 1 ? links : [] }, rootContext);
    if (i === 1) child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
    child.end([t0 + 1, i]);
  });
  root.end([t0 + 2, 999_999_999]);
  await provider.forceFlush();
  const spans = memory.getFinishedSpans(); // before shutdown, which empties the in-memory exporter
  await provider.shutdown();
  return spans;
}

/** Log records with every field set, one of them correlated with a span. */
async function makeLogs(run: string): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': `e2e-logs-${run}`, 'replica': 3 }, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('e2e-logger', '2.0.0', { schemaUrl: 'https://example.com/logs-schema', attributes: { 'scope.attr': 'yes', 'scope.n': 5 } });
  const spanContext = { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED };
  const t0 = 1_700_000_100;
  logger.emit({
    timestamp: [t0, 1],
    observedTimestamp: [t0, 2],
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'payment failed',
    attributes: { 'test.run': run, 'seq': 0, 'retry': 3, 'ratio': 0.75, 'ok': false, 'tags': ['a', 'b'], 'raw': new Uint8Array([7, 8]), 'ctx': { user: 'u1', ids: [1, 2] } },
    eventName: 'payment.failure',
    context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
  });
  logger.emit({ timestamp: [t0, 3], observedTimestamp: [t0, 4], body: { structured: true, items: [1, 'two', [3]], blob: new Uint8Array([1]) }, attributes: { 'test.run': run, 'seq': 1 } });
  logger.emit({ timestamp: [t0, 5], observedTimestamp: [t0, 6], severityNumber: 9, attributes: { 'test.run': run, 'seq': 2 } }); // no body
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords(); // before shutdown, which empties the in-memory exporter
  await provider.shutdown();
  return records;
}

const traceExporters: Record<string, (tl: RunningTracelight, compression: CompressionAlgorithm) => SpanExporter> = {
  'grpc': (tl, compression) => new GrpcTraceExporter({ url: `http://127.0.0.1:${tl.grpcPort}`, compression }),
  'http/protobuf': (tl, compression) => new ProtoTraceExporter({ url: `${tl.otlpHttpUrl}/v1/traces`, compression }),
  'http/json': (tl, compression) => new JsonTraceExporter({ url: `${tl.otlpHttpUrl}/v1/traces`, compression }),
};

const logExporters: Record<string, (tl: RunningTracelight, compression: CompressionAlgorithm) => LogRecordExporter> = {
  'grpc': (tl, compression) => new GrpcLogExporter({ url: `http://127.0.0.1:${tl.grpcPort}`, compression }),
  'http/protobuf': (tl, compression) => new ProtoLogExporter({ url: `${tl.otlpHttpUrl}/v1/logs`, compression }),
  'http/json': (tl, compression) => new JsonLogExporter({ url: `${tl.otlpHttpUrl}/v1/logs`, compression }),
};

describe('spans from the OpenTelemetry JS trace exporters', () => {
  for (const [protocol, create] of Object.entries(traceExporters)) {
    for (const compression of [NONE, GZIP]) {
      it(`${protocol}, compression ${compression}: every field reads back equal`, async () => {
        const run = `${protocol}-${compression}`;
        const spans = await makeSpans(run);
        expect(spans).toHaveLength(5);
        const exporter = create(tl, compression);
        const result = await exportWith(exporter, spans);
        await exporter.shutdown();
        expect(result.error).toBeUndefined();
        expect(result.code).toBe(ExportResultCode.SUCCESS);

        // Acknowledged means stored: no waiting, the spans are there now.
        const traceId = spans[0].spanContext().traceId;
        const stored = await fetchTrace(tl.apiUrl, traceId);
        expect(bySpanId(stored)).toEqual(bySpanId(spans.map(expectedSpan)));

        // The comparison is not vacuous: the rich parts did arrive.
        const root = stored.find((s) => s.name === 'GET /orders/{id}')!;
        expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
        expect(root.endTimeUnixNano).toBe(1_700_000_002_999_999_999n);
        expect(root.flags).toBe(0x301);
        expect(root.traceState).toBe('vendor=abc,other=x-y');
        expect(root.droppedAttributesCount).toBe(22);
        expect(root.droppedEventsCount).toBe(1);
        expect(root.attributes.find((a) => a.key === 'bytes')?.value).toEqual(new Uint8Array([0, 1, 2, 254, 255]));
        expect(root.attributes.find((a) => a.key === 'int.max_safe')?.value).toBe(9007199254740991n);
        expect(root.attributes.find((a) => a.key === 'kvlist')?.value).toEqual({
          kvlist: [
            { key: 'a', value: 'b' },
            { key: 'n', value: 7n },
            { key: 'nested', value: { kvlist: [{ key: 'deep', value: [1n, 'x', true] }] } },
          ],
        });
        const withLinks = stored.find((s) => s.name === 'child-1')!;
        expect(withLinks.links).toHaveLength(2);
        expect(withLinks.droppedLinksCount).toBe(1);
        expect(withLinks.status).toEqual({ code: 2, message: 'upstream timed out' });
        expect(new Set(stored.map((s) => s.kind))).toEqual(new Set([1, 2, 3, 4, 5]));
        expect(new Set(stored.map((s) => s.scope.name))).toEqual(new Set(['e2e-scope', 'e2e-other-scope']));
        expect(root.resource.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
      });
    }
  }
});

describe('log records from the OpenTelemetry JS log exporters', () => {
  for (const [protocol, create] of Object.entries(logExporters)) {
    for (const compression of [NONE, GZIP]) {
      it(`${protocol}, compression ${compression}: every field reads back equal`, async () => {
        const run = `logs-${protocol}-${compression}`;
        const records = await makeLogs(run);
        expect(records).toHaveLength(3);
        const exporter = create(tl, compression);
        const result = await exportWith(exporter, records);
        await exporter.shutdown();
        expect(result.error).toBeUndefined();
        expect(result.code).toBe(ExportResultCode.SUCCESS);

        const stored = bySeq(await fetchLogs(tl.apiUrl, { service: `e2e-logs-${run}` }));
        expect(stored).toEqual(records.map(expectedLog));

        const correlated = await fetchLogs(tl.apiUrl, { traceId: records[0].spanContext!.traceId });
        expect(correlated).toHaveLength(1);
        expect(correlated[0].spanId).toBe(records[0].spanContext!.spanId);
        expect(correlated[0].flags).toBe(1);
        expect(correlated[0].eventName).toBe('payment.failure');
        expect(correlated[0].scope.attributes).toEqual([
          { key: 'scope.attr', value: 'yes' },
          { key: 'scope.n', value: 5n },
        ]);
        expect(stored[1].body).toEqual({
          kvlist: [
            { key: 'structured', value: true },
            { key: 'items', value: [1n, 'two', [3n]] },
            { key: 'blob', value: new Uint8Array([1]) },
          ],
        });
        expect(stored[2].body).toBeNull();
      });
    }
  }
});
