import type { Sampler } from '@opentelemetry/api';
import { diag } from '@opentelemetry/api';
import { createJaegerRemoteSampler, DEFAULT_JAEGER_REMOTE_ENDPOINT } from './sampling/jaeger-remote-sampler.js';
import {
  createAlwaysOffSampler,
  createAlwaysOnSampler,
  createParentBasedSampler,
  createRateLimitingSampler,
  createRatioSampler,
} from './sampling/samplers.js';

/**
 * The one place where the standard `OTEL_*` variables (and Tracelight's own `TRACELIGHT_*`) are
 * read. Called from `startTracing`, never at import time.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Tracelight's defaults, in one place. */
export const DEFAULTS = {
  /** OTLP/HTTP on the local Tracelight (127.0.0.1, not localhost: no IPv6 surprise). */
  httpEndpoint: 'http://127.0.0.1:4318',
  grpcEndpoint: 'http://127.0.0.1:4317',
  protocol: 'http/protobuf' as OtlpProtocol,
  /** parentbased_always_on, as OpenTelemetry's. */
  sampler: 'parentbased_always_on',
  propagators: ['tracecontext', 'baggage'],
  /** Per export, retries included, as OpenTelemetry's. */
  exportTimeoutMillis: 10_000,
};

export type Env = Record<string, string | undefined>;

export interface EnvConfig {
  disabled: boolean;
  serviceName?: string;
  tracesExporter: 'otlp' | 'console' | 'none';
  logsExporter: 'otlp' | 'console' | 'none';
  protocol: OtlpProtocol;
  /** Full URL of the traces endpoint (`.../v1/traces` for HTTP). */
  tracesEndpoint: string;
  /** Full URL of the logs endpoint (`.../v1/logs` for HTTP). */
  logsEndpoint: string;
  headers: Record<string, string>;
  /** `OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION` (http/protobuf export). */
  compression: 'gzip' | 'none';
  /** `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT`, per export with its retries (default 10 000 ms). */
  exportTimeoutMillis: number;
  /** `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (SDK defaults when unset). */
  batch: { scheduledDelayMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number };
  samplerName: string;
  samplerArg?: string;
  propagators: string[];
  enabledInstrumentations?: string[];
  disabledInstrumentations: string[];
  traceIdHeader: boolean;
  /** `TRACELIGHT_TRACERESPONSE` (default on): send the W3C `traceresponse` header. */
  traceResponseHeader: boolean;
  consoleLogs: boolean;
  /** `TRACELIGHT_EXPORT_THREAD` (default on): http/protobuf export requests on a worker thread. */
  exportThread: boolean;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0);
}

function bool(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** A switch that is on unless set to something other than 1/true/yes/on. */
function boolDefaultOn(value: string | undefined): boolean {
  return value === undefined || value.trim() === '' || bool(value);
}

/** `k1=v1,k2=v2` with percent-decoding, as OTEL_EXPORTER_OTLP_HEADERS. */
export function parseKeyValueList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of list(value) === undefined ? [] : value!.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      diag.warn(`tracelight: ignoring malformed header entry ${part}`);
    }
  }
  return out;
}

function signalEndpoint(env: Env, signal: 'traces' | 'logs', protocol: OtlpProtocol): string {
  const specific = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? (protocol === 'grpc' ? DEFAULTS.grpcEndpoint : DEFAULTS.httpEndpoint);
  if (protocol === 'grpc') return base;
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  diag.warn(`tracelight: ${name}=${value} is not a positive integer, ignored`);
  return undefined;
}

function compressionOf(value: string | undefined): 'gzip' | 'none' {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'gzip') return 'gzip';
  diag.warn(`tracelight: unknown OTLP compression ${value}, using none`);
  return 'none';
}

function protocolOf(value: string | undefined): OtlpProtocol | undefined {
  if (value === undefined) return undefined;
  if (value === 'http/protobuf' || value === 'http/json' || value === 'grpc') return value;
  diag.warn(`tracelight: unknown OTLP protocol ${value}, using ${DEFAULTS.protocol}`);
  return undefined;
}

export function readEnv(env: Env = process.env): EnvConfig {
  const protocol =
    protocolOf(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? protocolOf(env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? DEFAULTS.protocol;
  const exporter = (list(env.OTEL_TRACES_EXPORTER) ?? ['otlp'])[0];
  const logsExporter = (list(env.OTEL_LOGS_EXPORTER) ?? ['none'])[0];
  return {
    disabled: bool(env.OTEL_SDK_DISABLED),
    serviceName: env.OTEL_SERVICE_NAME || undefined,
    tracesExporter: exporter === 'console' || exporter === 'none' ? exporter : 'otlp',
    logsExporter: logsExporter === 'otlp' || logsExporter === 'console' ? logsExporter : 'none',
    protocol,
    tracesEndpoint: signalEndpoint(env, 'traces', protocol),
    logsEndpoint: signalEndpoint(env, 'logs', protocol === 'grpc' ? DEFAULTS.protocol : protocol),
    headers: { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    compression: compressionOf(env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? env.OTEL_EXPORTER_OTLP_COMPRESSION),
    exportTimeoutMillis:
      positiveInt('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ??
      positiveInt('OTEL_EXPORTER_OTLP_TIMEOUT', env.OTEL_EXPORTER_OTLP_TIMEOUT) ??
      DEFAULTS.exportTimeoutMillis,
    batch: {
      scheduledDelayMillis: positiveInt('OTEL_BSP_SCHEDULE_DELAY', env.OTEL_BSP_SCHEDULE_DELAY),
      maxQueueSize: positiveInt('OTEL_BSP_MAX_QUEUE_SIZE', env.OTEL_BSP_MAX_QUEUE_SIZE),
      maxExportBatchSize: positiveInt('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
    },
    samplerName: (env.OTEL_TRACES_SAMPLER ?? DEFAULTS.sampler).trim().toLowerCase(),
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG,
    propagators: list(env.OTEL_PROPAGATORS) ?? DEFAULTS.propagators,
    enabledInstrumentations: list(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS),
    disabledInstrumentations: list(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? [],
    traceIdHeader: bool(env.TRACELIGHT_TRACE_ID_HEADER),
    traceResponseHeader: boolDefaultOn(env.TRACELIGHT_TRACERESPONSE),
    consoleLogs: bool(env.TRACELIGHT_CONSOLE_LOGS),
    exportThread: boolDefaultOn(env.TRACELIGHT_EXPORT_THREAD),
  };
}

function probabilityArg(arg: string | undefined, fallback: number): number {
  if (arg === undefined || arg.trim() === '') return fallback;
  const p = Number(arg);
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    diag.warn(`tracelight: OTEL_TRACES_SAMPLER_ARG=${arg} is not a probability in [0, 1], using ${fallback}`);
    return fallback;
  }
  return p;
}

export interface SamplerFromEnv {
  sampler: Sampler;
  shutdown?: () => void;
}

/**
 * The sampler named by `OTEL_TRACES_SAMPLER` (+ `_ARG`): always_on, always_off, traceidratio,
 * parentbased_* of those, jaeger_remote / parentbased_jaeger_remote (arg
 * `endpoint=...,pollingIntervalMs=...,initialSamplingRate=...`), and Tracelight's
 * rate_limiting / parentbased_rate_limiting (arg: traces per second, default 10).
 */
export function samplerFromEnv(config: EnvConfig, serviceName: string): SamplerFromEnv {
  const name = config.samplerName;
  const parentBased = name.startsWith('parentbased_');
  const base = parentBased ? name.slice('parentbased_'.length) : name;
  let root: Sampler;
  let shutdown: (() => void) | undefined;
  switch (base) {
    case 'always_on':
      root = createAlwaysOnSampler();
      break;
    case 'always_off':
      root = createAlwaysOffSampler();
      break;
    case 'traceidratio':
      root = createRatioSampler(probabilityArg(config.samplerArg, 1));
      break;
    case 'rate_limiting': {
      const n = Number(config.samplerArg ?? '10');
      root = createRateLimitingSampler(Number.isFinite(n) && n >= 0 ? n : 10);
      break;
    }
    case 'jaeger_remote': {
      const args = parseKeyValueList(config.samplerArg);
      const remote = createJaegerRemoteSampler({
        serviceName,
        endpoint: args.endpoint ?? DEFAULT_JAEGER_REMOTE_ENDPOINT,
        pollingIntervalMs: args.pollingIntervalMs ? Number(args.pollingIntervalMs) : undefined,
        initialSamplingRate: args.initialSamplingRate ? probabilityArg(args.initialSamplingRate, 0.001) : undefined,
      });
      root = remote;
      shutdown = () => remote.shutdown();
      break;
    }
    default:
      diag.warn(`tracelight: unknown OTEL_TRACES_SAMPLER=${name}, using ${DEFAULTS.sampler}`);
      return { sampler: createParentBasedSampler({ root: createAlwaysOnSampler() }) };
  }
  return { sampler: parentBased ? createParentBasedSampler({ root }) : root, shutdown };
}
