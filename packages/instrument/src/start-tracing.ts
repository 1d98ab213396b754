import type { Attributes, Sampler, TextMapPropagator } from '@opentelemetry/api';
import { context, diag, logs, propagation, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter as OTLPGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Env, OtlpProtocol } from './config.js';
import { readEnv, samplerFromEnv } from './config.js';
import { enableFastifyRoutes } from './http/fastify.js';
import { enableHttpServerTracing } from './http/server-instrumentation.js';
import { enableUndiciClientTracing } from './http/undici-client.js';
import type { InstrumentationName } from './instrumentations.js';
import { createInstrumentations, INSTRUMENTATION_NAMES } from './instrumentations.js';
import { createContextManager } from './internal/context-manager.js';
import { createIdGenerator } from './internal/id-generator.js';
import { createSpanStarter } from './internal/span-starter.js';
import { createInThreadHttpSender, createWorkerHttpSender } from './internal/otlp/worker-sender.js';
import { createOtlpSpanProcessor } from './internal/otlp/otlp-span-processor.js';
import { buildResource } from './internal/resource.js';
import { enableConsoleLogCorrelation } from './logs/console.js';
import { keepRandomTraceFlag } from './propagation/random-flag.js';
import { createTraceContextPropagator } from './propagation/trace-context-propagator.js';

export interface StartTracingOptions {
  /** `service.name`; default `OTEL_SERVICE_NAME`, then the app's package.json name. */
  serviceName?: string;
  /** `service.version`; default the app's package.json version. */
  serviceVersion?: string;
  /** Extra resource attributes (win over detected and `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Attributes;
  /** OTLP base URL; default `OTEL_EXPORTER_OTLP_ENDPOINT`, then `http://127.0.0.1:4318` (4317 for gRPC). */
  endpoint?: string;
  /** Default `OTEL_EXPORTER_OTLP_PROTOCOL`, then `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Extra OTLP request headers (merged over `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** Default from `OTEL_TRACES_SAMPLER`, else parent-based always-on (recording `ot=th:0`). */
  sampler?: Sampler;
  /** Replaces the OTLP exporter (`false`: export nothing, e.g. when `spanProcessors` suffice). */
  exporter?: SpanExporter | false;
  /** Extra span processors, run before the exporting batch processor (tests: a SimpleSpanProcessor with InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
  /** Default from `OTEL_PROPAGATORS`, else W3C tracecontext + baggage. */
  propagator?: TextMapPropagator;
  /** Turn instrumentations on or off by name; default all on (and `OTEL_NODE_*_INSTRUMENTATIONS`). */
  instrumentations?: Partial<Record<InstrumentationName, boolean>>;
  /** Send the W3C `traceresponse` header from HTTP servers (default true). */
  traceResponseHeader?: boolean;
  /** Also send the trace id alone: `true` for `x-trace-id`, or a header name (default off, env `TRACELIGHT_TRACE_ID_HEADER`). */
  traceIdHeader?: boolean | string;
  /** Keep Express' per-middleware spans (default false). */
  expressLayerSpans?: boolean;
  /** Append trace ids to `console` output (default off, env `TRACELIGHT_CONSOLE_LOGS`). */
  consoleLogCorrelation?: boolean;
  /**
   * Make the http/protobuf export's HTTP requests on a worker thread of their own (default true,
   * env `TRACELIGHT_EXPORT_THREAD`); false: on the application's thread.
   */
  exportThread?: boolean;
  /**
   * Export logs (pino records and anything using the OpenTelemetry logs API) over OTLP: `true`
   * for OTLP/HTTP to the same collector, an exporter, or `false` (default; env `OTEL_LOGS_EXPORTER=otlp`).
   */
  logs?: boolean | LogRecordExporter;
  /** Flush and shut down on these signals (default `['SIGTERM', 'SIGINT']`; `false` for none). */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** Environment to read instead of `process.env` (tests). */
  env?: Env;
}

export interface Tracing {
  readonly tracerProvider: TracerProvider;
  readonly loggerProvider: LoggerProvider | undefined;
  readonly serviceName: string;
  /** Exports everything buffered. */
  forceFlush(): Promise<void>;
  /** Flushes, stops instrumentations and providers, unregisters globals. Idempotent. */
  shutdown(): Promise<void>;
}

const KNOWN_OPTIONS = new Set([
  'serviceName', 'serviceVersion', 'resourceAttributes', 'endpoint', 'protocol', 'headers', 'sampler', 'exporter',
  'spanProcessors', 'propagator', 'instrumentations', 'traceResponseHeader', 'traceIdHeader', 'expressLayerSpans',
  'consoleLogCorrelation', 'exportThread', 'logs', 'shutdownSignals', 'env',
]);

let active: Tracing | undefined;

function traceExporter(protocol: OtlpProtocol, url: string, headers: Record<string, string>): SpanExporter {
  // gRPC metadata comes from OTEL_EXPORTER_OTLP_HEADERS, read by the exporter itself.
  if (protocol === 'grpc') return new OTLPGrpcTraceExporter({ url });
  return new OTLPJsonTraceExporter({ url, headers });
}

function propagatorFrom(names: string[]): TextMapPropagator {
  const list: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') list.push(createTraceContextPropagator());
    else if (name === 'baggage') list.push(new W3CBaggagePropagator());
    else if (name !== 'none') diag.warn(`tracelight: propagator ${name} is not supported, ignored`);
  }
  return new CompositePropagator({ propagators: list });
}

/**
 * Starts tracing for this process: resource, sampler, OTLP exporter behind a batch processor,
 * W3C propagation, the AsyncLocalStorage context manager and the kit's instrumentations, all
 * registered globally. Calling it again returns the running instance. Never throws for bad
 * environment values (they are logged through `diag` and defaults used); unknown option keys do
 * throw, at start-up.
 */
export function startTracing(options: StartTracingOptions = {}): Tracing {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`startTracing: unknown option "${key}"`);
  }
  if (active) {
    diag.warn('tracelight: startTracing called twice; returning the running instance');
    return active;
  }
  const env = readEnv(options.env ?? process.env);
  const resource = buildResource({
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    attributes: options.resourceAttributes,
  });
  const serviceName = String(resource.attributes[ATTR_SERVICE_NAME] ?? 'unknown_service:node');

  const fromEnv = options.sampler ? undefined : samplerFromEnv(env, serviceName);
  const sampler = options.sampler ?? fromEnv!.sampler;

  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  const protocol = options.protocol ?? env.protocol;
  const headers = { ...env.headers, ...options.headers };
  let exporter: SpanExporter | undefined;
  if (options.exporter !== undefined) {
    exporter = options.exporter === false ? undefined : options.exporter;
  } else if (!env.disabled && env.tracesExporter === 'otlp') {
    const url = options.endpoint
      ? protocol === 'grpc' ? options.endpoint : `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
      : env.tracesEndpoint;
    if (protocol === 'http/protobuf') {
      // The default: the kit's own encoder, spans encoded as they end, sent from the export thread (internal/otlp).
      const senderOptions = { url, headers, timeoutMillis: env.exportTimeoutMillis, compression: env.compression };
      const sender = (options.exportThread ?? env.exportThread) ? createWorkerHttpSender(senderOptions) : createInThreadHttpSender(senderOptions);
      processors.push(createOtlpSpanProcessor({ sender, ...env.batch }));
    } else {
      exporter = traceExporter(protocol, url, headers);
    }
  } else if (!env.disabled && env.tracesExporter === 'console') {
    exporter = new ConsoleSpanExporter();
  }
  if (exporter) processors.push(new BatchSpanProcessor({ exporter, ...env.batch }));

  // Sampling and ids go through the span starter, which lets request paths decide before the SDK.
  const spanStarter = createSpanStarter({ sampler, idGenerator: createIdGenerator() });
  const tracerProvider = keepRandomTraceFlag(
    new TracerProvider({ resource, sampler: spanStarter.sampler, idGenerator: spanStarter.idGenerator, spanProcessors: processors }),
  );

  let loggerProvider: LoggerProvider | undefined;
  const logsOption = options.logs ?? (env.logsExporter === 'none' ? false : true);
  if (logsOption !== false && !env.disabled) {
    const logExporter: LogRecordExporter =
      logsOption === true
        ? env.logsExporter === 'console'
          ? new ConsoleLogRecordExporter()
          : new OTLPLogExporter({
              url: options.endpoint ? `${options.endpoint.replace(/\/+$/, '')}/v1/logs` : env.logsEndpoint,
              headers,
            })
        : logsOption;
    loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: logExporter })] });
  }

  const contextManager = createContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(options.propagator ?? propagatorFrom(env.propagators));
  trace.setGlobalTracerProvider(tracerProvider);
  if (loggerProvider) logs.setGlobalLoggerProvider(loggerProvider);

  const enabled = new Set<InstrumentationName>();
  for (const name of INSTRUMENTATION_NAMES) {
    const byEnv = env.enabledInstrumentations ? env.enabledInstrumentations.includes(name) : !env.disabledInstrumentations.includes(name);
    if (options.instrumentations?.[name] ?? byEnv) enabled.add(name);
  }
  const traceIdHeader = options.traceIdHeader ?? env.traceIdHeader;
  const unregister = env.disabled
    ? () => {}
    : registerInstrumentations({
        tracerProvider,
        instrumentations: createInstrumentations({
          enabled,
          expressLayerSpans: options.expressLayerSpans ?? false,
          logSending: loggerProvider !== undefined,
        }),
      });
  const stopHttpServer =
    enabled.has('http') && !env.disabled
      ? enableHttpServerTracing({
          spanStarter,
          contextEntry: () => contextManager.entry(),
          traceResponseHeader: options.traceResponseHeader ?? env.traceResponseHeader,
          traceIdHeader: traceIdHeader === true ? 'x-trace-id' : traceIdHeader === false ? undefined : traceIdHeader,
        })
      : () => {};
  const stopUndici = enabled.has('undici') && !env.disabled ? enableUndiciClientTracing({ spanStarter }) : () => {};
  const stopFastify = enabled.has('fastify') && !env.disabled ? enableFastifyRoutes() : () => {};
  const stopConsole = options.consoleLogCorrelation ?? env.consoleLogs ? enableConsoleLogCorrelation() : () => {};

  let shuttingDown: Promise<void> | undefined;
  const signals = options.shutdownSignals === false ? [] : (options.shutdownSignals ?? ['SIGTERM', 'SIGINT']);
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const s of signals) process.removeListener(s, onSignal);
    void tracing.shutdown().finally(() => {
      // We only listened to flush; if nobody else handles the signal, let it do what it would have.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  for (const s of signals) process.on(s, onSignal);
  // A process that ends by itself (a job, a script: no signal, no shutdown()) still sends what it
  // holds. 'beforeExit' comes when nothing is left to do; the flush's request keeps the process
  // up, then 'beforeExit' comes again with nothing to send, adds no work, and the process exits.
  const onBeforeExit = (): void => {
    tracing.forceFlush().catch((err: unknown) => diag.warn(`tracelight: flush at exit failed: ${String(err)}`));
  };
  process.on('beforeExit', onBeforeExit);

  const tracing: Tracing = {
    tracerProvider,
    loggerProvider,
    serviceName,
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), loggerProvider?.forceFlush()]);
    },
    shutdown() {
      shuttingDown ??= (async () => {
        for (const s of signals) process.removeListener(s, onSignal);
        process.removeListener('beforeExit', onBeforeExit);
        stopConsole();
        stopFastify();
        stopUndici();
        stopHttpServer();
        unregister();
        fromEnv?.shutdown?.();
        try {
          await Promise.all([tracerProvider.shutdown(), loggerProvider?.shutdown()]);
        } catch (err) {
          diag.error(`tracelight: shutdown failed: ${String(err)}`);
        }
        trace.disable();
        propagation.disable();
        logs.disable();
        context.disable();
        if (active === tracing) active = undefined;
      })();
      return shuttingDown;
    },
  };
  active = tracing;
  return tracing;
}
