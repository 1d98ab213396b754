import { gzipSync } from 'node:zlib';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';
import { EXPORT_OK, exportFailure, TracelightError } from '@tracelight/core';
import { encodeLogsRequest, encodeTraceRequest, logsServiceDefinition, traceServiceDefinition } from '@tracelight/otlp';
import type { Component, ComponentContext, ComponentFactory, Signal } from '../../component.js';
import { ConfigError } from '../../component.js';
import type { LogsConsumer, TracesConsumer } from '../../consumer.js';
import { bool, duration, num, object, oneOf, parseConfig, record, str } from '../../internal/schema.js';
import { LATENCY_BUCKETS_SECONDS } from '../../telemetry/metrics-registry.js';

export interface OtlpExporterConfig {
  /** gRPC (`otlp`): "host:port". HTTP (`otlphttp`): a base URL such as "http://host:4318" (`/v1/traces` is added). */
  readonly endpoint: string;
  /** Per attempt. Default 5s. */
  readonly timeout: number;
  /** Default gzip. */
  readonly compression: 'gzip' | 'none';
  /** Extra request headers (gRPC metadata). */
  readonly headers: Readonly<Record<string, string>>;
  readonly retry_on_failure: {
    readonly enabled: boolean;
    /** First wait after a retryable failure; doubles up to max_interval. Default 200ms. */
    readonly initial_interval: number;
    /** Default 2s. */
    readonly max_interval: number;
    /** Give up (answer retryably) after this long. Default 5s: short enough for a waiting client. */
    readonly max_elapsed_time: number;
  };
  readonly sending_queue: {
    /** Batches waiting or being sent at most; past it data is refused with QUEUE_FULL. Default 1000. */
    readonly queue_size: number;
    /** Batches sent at once. Default 4. */
    readonly num_consumers: number;
    /**
     * Default true: a request is acknowledged only once the other backend acknowledged its data
     * (acknowledgement means durable, end to end). false: acknowledged once queued (in memory: lost
     * by a crash), as the Collector does by default.
     */
    readonly wait_for_result: boolean;
  };
}

const schema = object<OtlpExporterConfig>(
  {
    endpoint: str({ nonEmpty: true }),
    timeout: duration({ min: 1 }),
    compression: oneOf(['gzip', 'none']),
    headers: record(str()),
    retry_on_failure: object(
      { enabled: bool, initial_interval: duration({ min: 1 }), max_interval: duration({ min: 1 }), max_elapsed_time: duration() },
      { enabled: true, initial_interval: 200, max_interval: 2000, max_elapsed_time: 5000 },
    ),
    sending_queue: object(
      { queue_size: num({ min: 1, integer: true }), num_consumers: num({ min: 1, max: 64, integer: true }), wait_for_result: bool },
      { queue_size: 1000, num_consumers: 4, wait_for_result: true },
    ),
  },
  { timeout: 5000, compression: 'gzip', headers: {}, retry_on_failure: undefined, sending_queue: undefined },
);

export type OtlpExporter = Component & TracesConsumer & LogsConsumer;

/** One attempt's outcome. */
type Attempt = { ok: true } | { ok: false; retryable: boolean; retryAfterMs?: number; message: string };

interface Transport {
  send(signal: Signal, body: Uint8Array, timeoutMs: number): Promise<Attempt>;
  close(): void;
}

function httpTransport(config: OtlpExporterConfig): Transport {
  const base = config.endpoint.replace(/\/+$/, '');
  return {
    async send(signal, body, timeoutMs) {
      const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', ...config.headers };
      let payload = body;
      if (config.compression === 'gzip') {
        payload = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      try {
        const res = await fetch(`${base}/v1/${signal}`, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        if (res.ok) return { ok: true };
        const retryAfter = Number(res.headers.get('retry-after'));
        const retryable = [429, 502, 503, 504].includes(res.status);
        return { ok: false, retryable, retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : undefined, message: `HTTP ${res.status} from ${base}` };
      } catch (err) {
        return { ok: false, retryable: true, message: `cannot reach ${base}: ${(err as Error).message}` };
      }
    },
    close() {},
  };
}

const RETRYABLE_GRPC = new Set<number>([GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED, GrpcStatus.UNAVAILABLE]);

function grpcTransport(config: OtlpExporterConfig): Transport {
  const options = { 'grpc.default_compression_algorithm': config.compression === 'gzip' ? 2 : 0 };
  const clients: Partial<Record<Signal, Client>> = {};
  const client = (signal: Signal) => {
    const Ctor = makeGenericClientConstructor(signal === 'traces' ? traceServiceDefinition : logsServiceDefinition, signal);
    return (clients[signal] ??= new Ctor(config.endpoint, credentials.createInsecure(), options));
  };
  return {
    send(signal, body, timeoutMs) {
      const c = client(signal);
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(config.headers)) metadata.set(k, v);
      const call = (c as unknown as Record<string, (r: Buffer, m: Metadata, o: object, cb: (e: ServiceError | null) => void) => void>).Export;
      return new Promise((resolve) =>
        call.call(c, Buffer.from(body), metadata, { deadline: Date.now() + timeoutMs }, (err) => {
          if (!err) return resolve({ ok: true });
          const retryAfter = Number(err.metadata?.get('retry-after')[0]);
          resolve({
            ok: false,
            retryable: RETRYABLE_GRPC.has(err.code),
            retryAfterMs: retryAfter > 0 ? retryAfter * 1000 : undefined,
            message: `gRPC ${GrpcStatus[err.code] ?? err.code} from ${config.endpoint}: ${err.details}`,
          });
        }),
      );
    },
    close() {
      for (const c of Object.values(clients)) c?.close();
    },
  };
}

interface Item {
  readonly signal: Signal;
  readonly batch: SpanBatch | LogBatch;
  readonly done: (r: ExportResult) => void;
}

function createOtlpExporter(config: OtlpExporterConfig, deps: ComponentContext, protocol: 'grpc' | 'http'): OtlpExporter {
  const transport = protocol === 'grpc' ? grpcTransport(config) : httpTransport(config);
  const queue: Item[] = [];
  let busy = 0;
  let stopped = false;
  let idle: (() => void) | undefined;
  const labels = { exporter: deps.id };
  const sent = deps.telemetry.counter('otelcol_exporter_sent_spans_total', 'Spans an exporter delivered (committed, for the store).');
  const failed = deps.telemetry.counter('otelcol_exporter_send_failed_spans_total', 'Spans an exporter could not deliver.');
  const retries = deps.telemetry.counter('tracelight_exporter_retries_total', 'Retried export attempts.');
  const latency = deps.telemetry.histogram('tracelight_exporter_send_duration_seconds', 'Time to deliver a batch, retries included.', LATENCY_BUCKETS_SECONDS);
  deps.telemetry.gaugeFunc('otelcol_exporter_queue_size', 'Batches in an exporter queue (waiting or being sent).', () => [{ labels, value: queue.length + busy }]);
  deps.telemetry.gaugeFunc('otelcol_exporter_queue_capacity', 'Capacity of an exporter queue, in batches.', () => [{ labels, value: config.sending_queue.queue_size }]);

  const deliver = async (item: Item): Promise<ExportResult> => {
    const body = item.signal === 'traces' ? encodeTraceRequest(item.batch as SpanBatch, 'protobuf') : encodeLogsRequest(item.batch as LogBatch, 'protobuf');
    const t0 = performance.now();
    const r = config.retry_on_failure;
    let wait = r.initial_interval;
    for (;;) {
      const attempt = await transport.send(item.signal, body, config.timeout);
      if (attempt.ok) {
        latency.observe((performance.now() - t0) / 1000, labels);
        if (item.signal === 'traces') sent.add(item.batch.length, labels);
        return EXPORT_OK;
      }
      const elapsed = performance.now() - t0;
      const delay = Math.min(r.max_interval, Math.max(wait, attempt.retryAfterMs ?? 0));
      if (!attempt.retryable || !r.enabled || stopped || elapsed + delay > r.max_elapsed_time) {
        if (item.signal === 'traces') failed.add(item.batch.length, { ...labels, reason: attempt.retryable ? 'retries_exhausted' : 'permanent' });
        return exportFailure(new TracelightError(attempt.retryable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_REJECTED', attempt.message, { retryable: attempt.retryable }));
      }
      retries.add(1, labels);
      await new Promise((resolve) => setTimeout(resolve, delay));
      wait = Math.min(r.max_interval, wait * 2);
    }
  };

  const pump = () => {
    while (busy < config.sending_queue.num_consumers && queue.length > 0) {
      const item = queue.shift()!;
      busy++;
      void deliver(item).then((result) => {
        busy--;
        item.done(result);
        if (busy === 0 && queue.length === 0) idle?.();
        pump();
      });
    }
  };

  const enqueue = (signal: Signal, batch: SpanBatch | LogBatch): Promise<ExportResult> => {
    if (batch.length === 0) return Promise.resolve(EXPORT_OK);
    if (stopped) return Promise.resolve(exportFailure(new TracelightError('SHUTTING_DOWN', 'the exporter is shutting down', { retryable: true })));
    if (queue.length + busy >= config.sending_queue.queue_size) {
      if (signal === 'traces') failed.add(batch.length, { ...labels, reason: 'queue_full' });
      return Promise.resolve(
        exportFailure(new TracelightError('QUEUE_FULL', `the ${deps.id} exporter queue is full (${config.sending_queue.queue_size} batches); retry later`, { retryable: true })),
      );
    }
    return new Promise((resolve) => {
      const waitForResult = config.sending_queue.wait_for_result;
      queue.push({ signal, batch, done: waitForResult ? resolve : () => {} });
      if (!waitForResult) resolve(EXPORT_OK);
      pump();
    });
  };

  let shutdownPromise: Promise<void> | undefined;
  return {
    async start() {},
    shutdown() {
      shutdownPromise ??= (async () => {
        if (busy > 0 || queue.length > 0) await new Promise<void>((resolve) => (idle = resolve));
        stopped = true;
        transport.close();
      })();
      return shutdownPromise;
    },
    consumeTraces: (batch) => enqueue('traces', batch),
    consumeLogs: (batch) => enqueue('logs', batch),
  };
}

function validate(config: unknown, path: string, protocol: 'grpc' | 'http'): OtlpExporterConfig {
  const c = parseConfig(schema, config, path);
  if (protocol === 'http' && !/^https?:\/\/[^/]+/.test(c.endpoint)) throw new ConfigError(`${path}.endpoint: must be a URL such as "http://127.0.0.1:4318" (got ${JSON.stringify(c.endpoint)})`);
  if (protocol === 'http' && c.endpoint.startsWith('https:')) throw new ConfigError(`${path}.endpoint: https is not supported yet (got ${JSON.stringify(c.endpoint)})`);
  if (protocol === 'grpc' && !/^[^/:]+:\d+$|^\[[^\]]+\]:\d+$/.test(c.endpoint)) throw new ConfigError(`${path}.endpoint: must be "host:port" such as "127.0.0.1:4317" (got ${JSON.stringify(c.endpoint)})`);
  return c;
}

/**
 * Forwards to another OTLP backend over gRPC (`otlp`, as the Collector names it), through a
 * bounded queue with retries and backoff that honour the other side's Retry-After.
 */
export const otlpExporterFactory: ComponentFactory<OtlpExporterConfig, ComponentContext, OtlpExporter> = {
  kind: 'exporter',
  type: 'otlp',
  signals: ['traces', 'logs'],
  defaultConfig: () => validate({ endpoint: '127.0.0.1:4317' }, 'exporters.otlp', 'grpc'),
  validateConfig: (config, path = 'exporters.otlp') => validate(config, path, 'grpc'),
  create: (config, deps) => createOtlpExporter(config, deps, 'grpc'),
};

/** The same over OTLP/HTTP protobuf (`otlphttp`); the endpoint is a base URL. */
export const otlpHttpExporterFactory: ComponentFactory<OtlpExporterConfig, ComponentContext, OtlpExporter> = {
  kind: 'exporter',
  type: 'otlphttp',
  signals: ['traces', 'logs'],
  defaultConfig: () => validate({ endpoint: 'http://127.0.0.1:4318' }, 'exporters.otlphttp', 'http'),
  validateConfig: (config, path = 'exporters.otlphttp') => validate(config, path, 'http'),
  create: (config, deps) => createOtlpExporter(config, deps, 'http'),
};
