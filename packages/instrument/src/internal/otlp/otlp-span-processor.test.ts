import type { DiagLogger } from '@opentelemetry/api';
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { request } from 'node:http';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../start-tracing.js';
import { close, listen } from '../test-servers.js';
import type { HttpSender, HttpSenderOptions } from './http-sender.js';
import { createOtlpSpanProcessor } from './otlp-span-processor.js';
import { createInThreadHttpSender, createWorkerHttpSender } from './worker-sender.js';

// A real OTLP/HTTP receiver (node:http) whose behaviour each test sets; requests are decoded
// with the protobufjs decoder generated from the OTLP .proto files (OpenTelemetry JS 0.57).
const require = createRequire(import.meta.url);
type Pb = Record<string, unknown>;
const ExportTraceServiceRequest = (
  require('otlp-transformer-057/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): Pb; toObject(m: Pb, o: object): Pb } } } } } };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

interface Received {
  headers: IncomingMessage['headers'];
  spanNames: string[];
  /** `KIND name` of each span. */
  spans: string[];
  serviceName: string | undefined;
}

let respond: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = (_req, res) => res.end();
const received: Received[] = [];
let receiver: Server;
let url = '';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, defaults: false });
      const rs = (decoded.resourceSpans as Pb[] | undefined) ?? [];
      received.push({
        headers: req.headers,
        spanNames: rs.flatMap((r) => ((r.scopeSpans as Pb[]) ?? []).flatMap((s) => ((s.spans as Pb[]) ?? []).map((x) => x.name as string))),
        spans: rs.flatMap((r) =>
          ((r.scopeSpans as Pb[]) ?? []).flatMap((s) => ((s.spans as Pb[]) ?? []).map((x) => `${['?', 'INTERNAL', 'SERVER', 'CLIENT'][x.kind as number]} ${x.name as string}`)),
        ),
        serviceName: ((rs[0]?.resource as Pb | undefined)?.attributes as Pb[] | undefined)?.find((a) => a.key === 'service.name')?.value
          ? (((rs[0].resource as Pb).attributes as Pb[]).find((a) => a.key === 'service.name')!.value as Pb).stringValue as string
          : undefined,
      });
      respond(req, res, body);
    });
  });
  url = `${await listen(receiver)}/v1/traces`;
});

afterAll(async () => {
  await close(receiver);
});

afterEach(() => {
  received.length = 0;
  respond = (_req, res) => res.end();
});

// Every processor test runs with both senders: the export thread (the default) and in-thread.
const senders: Array<[string, (o: HttpSenderOptions) => HttpSender]> = [
  ['export thread', createWorkerHttpSender],
  ['in-thread', createInThreadHttpSender],
];
let createSender: (o: HttpSenderOptions) => HttpSender = createWorkerHttpSender;

function setup(options: { batch?: number; queue?: number; delay?: number; compression?: 'gzip' | 'none'; timeout?: number } = {}) {
  const processor = createOtlpSpanProcessor({
    sender: createSender({ url, headers: { 'x-tenant': 't1' }, timeoutMillis: options.timeout ?? 5000, compression: options.compression ?? 'none' }),
    maxExportBatchSize: options.batch ?? 10,
    maxQueueSize: options.queue ?? 100,
    scheduledDelayMillis: options.delay ?? 60_000,
  });
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'processor-test' }), spanProcessors: [processor] });
  const tracer = provider.getTracer('t');
  const spans = (n: number, prefix = 's') => {
    for (let i = 0; i < n; i++) tracer.startSpan(`${prefix}${i}`, { kind: SpanKind.INTERNAL }, ROOT_CONTEXT).end();
  };
  return { processor, provider, spans };
}

const names = () => received.flatMap((r) => r.spanNames);
const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(senders)('OTLP span processor (http/protobuf), sending %s', (_name, factory) => {
  beforeAll(() => {
    createSender = factory;
  });
  it('sends full batches right away and the rest on flush, as protobuf with the configured headers', async () => {
    const { processor, spans } = setup({ batch: 10 });
    spans(25);
    await waitFor(() => received.length === 2);
    expect(received.map((r) => r.spanNames.length)).toEqual([10, 10]);
    await processor.forceFlush();
    expect(received.map((r) => r.spanNames.length)).toEqual([10, 10, 5]);
    expect(names()).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
    expect(received[0].headers['content-type']).toBe('application/x-protobuf');
    expect(received[0].headers['x-tenant']).toBe('t1');
    expect(received[0].serviceName).toBe('processor-test');
    expect(processor.exported).toBe(25);
    await processor.shutdown();
  });

  it('sends a partial batch after the scheduled delay', async () => {
    const { processor, spans } = setup({ batch: 100, delay: 50 });
    spans(3);
    expect(received).toHaveLength(0);
    await waitFor(() => received.length === 1);
    expect(received[0].spanNames).toEqual(['s0', 's1', 's2']);
    await processor.shutdown();
  });

  it('does not export unsampled spans', async () => {
    const { processor, provider } = setup();
    const tracer = provider.getTracer('t');
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0, isRemote: true });
    tracer.startSpan('unsampled', {}, parent).end();
    tracer.startSpan('sampled', {}, ROOT_CONTEXT).end();
    await processor.forceFlush();
    expect(names()).toEqual(['sampled']);
    await processor.shutdown();
  });

  it('bounds the queue while the collector is stuck, counts what it drops, then delivers the rest', async () => {
    let release: () => void = () => {};
    const stuck = new Promise<void>((r) => (release = r));
    respond = (_req, res) => void stuck.then(() => res.end());
    const { processor, spans } = setup({ batch: 10, queue: 30 });
    spans(100);
    expect(processor.dropped).toBe(70);
    release();
    await processor.forceFlush();
    expect(processor.exported).toBe(30);
    expect(names()).toEqual(Array.from({ length: 30 }, (_, i) => `s${i}`));
    await processor.shutdown();
  });

  it('retries a 503 after Retry-After, once delivered', async () => {
    let calls = 0;
    respond = (_req, res) => {
      calls++;
      if (calls === 1) {
        res.statusCode = 503;
        res.setHeader('retry-after', '0');
      }
      res.end();
    };
    const { processor, spans } = setup();
    spans(3);
    await processor.forceFlush();
    expect(calls).toBe(2);
    expect(processor.exported).toBe(3);
    expect(processor.dropped).toBe(0);
    await processor.shutdown();
  });

  it('drops (and counts) a batch the collector refuses with 400, without retrying', async () => {
    const warnings: string[] = [];
    const logger: DiagLogger = { error: () => {}, warn: (m: string) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} };
    diag.setLogger(logger, DiagLogLevel.WARN);
    try {
      let calls = 0;
      respond = (_req, res) => {
        calls++;
        res.statusCode = 400;
        res.end('bad');
      };
      const { processor, spans } = setup();
      spans(4);
      await processor.forceFlush();
      expect(calls).toBe(1);
      expect(processor.dropped).toBe(4);
      expect(warnings.some((w) => w.includes('HTTP 400'))).toBe(true);
      await processor.shutdown();
    } finally {
      diag.disable();
    }
  });

  it('logs a partial success from the collector', async () => {
    const warnings: string[] = [];
    diag.setLogger({ error: () => {}, warn: (m: string) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    try {
      // ExportTraceServiceResponse { partial_success { rejected_spans: 2, error_message: "too old" } }
      respond = (_req, res) => res.end(Buffer.from([0x0a, 0x0b, 0x08, 0x02, 0x12, 0x07, ...Buffer.from('too old')]));
      const { processor, spans } = setup();
      spans(2);
      await processor.forceFlush();
      expect(warnings.some((w) => w.includes('rejected 2 spans: too old'))).toBe(true);
      await processor.shutdown();
    } finally {
      diag.disable();
    }
  });

  it('gzips when asked', async () => {
    const { processor, spans } = setup({ compression: 'gzip' });
    spans(5);
    await processor.forceFlush();
    expect(received[0].headers['content-encoding']).toBe('gzip');
    expect(received[0].spanNames).toHaveLength(5);
    await processor.shutdown();
  });

  it('flushes on shutdown, once, and ignores spans that end afterwards', async () => {
    const { processor, spans } = setup({ batch: 100 });
    spans(3);
    const p: Promise<void> = processor.shutdown();
    expect(processor.shutdown()).toBe(p);
    await p;
    spans(2, 'late');
    await processor.forceFlush();
    expect(names()).toEqual(['s0', 's1', 's2']);
  });
});

describe('startTracing with the default http/protobuf export', () => {
  it('exports a server span over its own untraced HTTP request', async () => {
    const tracing = startTracing({ endpoint: url.replace('/v1/traces', ''), serviceName: 'kit-default', shutdownSignals: false, env: {} });
    const app = createServer((_req, res) => res.end('ok'));
    const appUrl = await listen(app);
    // The CommonJS module object, which the HTTP instrumentation patches (as the sender's is).
    const http = require('node:http') as { request: typeof request };
    try {
      await new Promise<void>((resolve, reject) => {
        http.request(`${appUrl}/x`, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
          .on('error', reject)
          .end();
      });
      await tracing.forceFlush();
      // A traced export would have ended a span during that flush: a second one would send it.
      await tracing.forceFlush();
      // The test's own request (CLIENT) and the app's SERVER span; the export POST has no CLIENT
      // span (the receiver, in this process, makes a SERVER span for it, as a collector would).
      const all = received.flatMap((r) => r.spans);
      expect(all.filter((x) => x.startsWith('CLIENT'))).toEqual(['CLIENT GET']);
      expect(all).toContain('SERVER GET');
      expect(received[0].serviceName).toBe('kit-default');
    } finally {
      await close(app);
      await tracing.shutdown();
    }
  });
});
