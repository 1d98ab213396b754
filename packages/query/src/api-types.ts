/**
 * The JSON shapes of the query API, shared by the handler and the client. Types only: this file
 * has no runtime code, so the browser client can import it freely.
 */

// ---- Jaeger's internal API (/api) ---------------------------------------------------------------

/** Jaeger's envelope around every /api answer (errors too). */
export interface JaegerEnvelope<T> {
  readonly data: T;
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly errors: JaegerError[] | null;
}

export interface JaegerError {
  /** The HTTP status, on whole-request errors; absent on per-trace errors of a multi-id lookup. */
  readonly code?: number;
  readonly msg: string;
  readonly traceID?: string;
}

export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  readonly key: string;
  readonly type: JaegerValueType;
  /** int64 beyond ±(2^53 − 1) is a decimal string; binary is base64; NaN/±Infinity are strings. */
  readonly value: string | number | boolean;
}

export interface JaegerReference {
  readonly refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  readonly traceID: string;
  readonly spanID: string;
}

export interface JaegerLog {
  /** Microseconds since the epoch. */
  readonly timestamp: number;
  readonly fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  /** W3C trace flags (1 = sampled); absent when 0. */
  readonly flags?: number;
  readonly operationName: string;
  readonly references: JaegerReference[];
  /** Microseconds since the epoch. */
  readonly startTime: number;
  /** Microseconds. */
  readonly duration: number;
  readonly tags: JaegerKeyValue[];
  readonly logs: JaegerLog[];
  readonly processID: string;
  readonly warnings: string[] | null;
}

export interface JaegerProcess {
  readonly serviceName: string;
  readonly tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: JaegerSpan[];
  readonly processes: Record<string, JaegerProcess>;
  readonly warnings: string[] | null;
}

export interface JaegerOperation {
  readonly name: string;
  /** 'server', 'client', 'producer', 'consumer', 'internal', or '' (unspecified). */
  readonly spanKind: string;
}

export interface JaegerDependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
}

/** Jaeger's metrics API answer (api_v2/metrics MetricFamily in protobuf JSON), not enveloped. */
export interface MetricFamily {
  /** service_latencies, service_call_rate, service_error_rate (service_operation_* when grouped by operation). */
  readonly name: string;
  readonly type: 'GAUGE';
  readonly help: string;
  readonly metrics: Metric[];
}

export interface Metric {
  /** `service_name` first, then `operation` when grouped by operation. */
  readonly labels: { readonly name: string; readonly value: string }[];
  readonly metricPoints: MetricPoint[];
}

export interface MetricPoint {
  readonly gaugeValue: { readonly doubleValue: number };
  /** RFC 3339, e.g. "2024-05-01T10:00:00Z". */
  readonly timestamp: string;
}

/** Jaeger's remote-sampling answer (api_v2 SamplingStrategyResponse in protobuf JSON). */
export interface SamplingStrategyResponse {
  readonly strategyType: 'PROBABILISTIC' | 'RATE_LIMITING';
  readonly probabilisticSampling?: { readonly samplingRate: number };
  readonly rateLimitingSampling?: { readonly maxTracesPerSecond: number };
  readonly operationSampling?: {
    readonly defaultSamplingProbability: number;
    readonly defaultLowerBoundTracesPerSecond?: number;
    readonly defaultUpperBoundTracesPerSecond?: number;
    readonly perOperationStrategies: readonly { readonly operation: string; readonly probabilisticSampling: { readonly samplingRate: number } }[];
  };
}

// ---- /api/v3 and /api/tl ------------------------------------------------------------------------

/** The error body of /api/v3 and /api/tl (Jaeger v3's shape, plus our stable `code`). */
export interface ApiErrorBody {
  readonly error: {
    readonly httpCode: number;
    /** A stable TracelightError code, e.g. QUERY_BAD_REQUEST, STORE_UNSUPPORTED. */
    readonly code: string;
    readonly message: string;
  };
}

/** OTLP/JSON ExportTraceServiceRequest (protobuf JSON mapping: hex ids, int64 as strings). */
export interface OtlpTracesJson {
  readonly resourceSpans: unknown[];
}

export interface TraceSummaryJson {
  readonly traceId: string;
  readonly rootServiceName: string;
  readonly rootSpanName: string;
  /** Nanoseconds since the epoch, as a decimal string (exact). */
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly durationNano: string;
  readonly spanCount: number;
  readonly errorCount: number;
  readonly services: { readonly serviceName: string; readonly spanCount: number; readonly errorCount: number }[];
}

/** GET /api/v3/trace-summaries */
export interface TraceSummariesResponse {
  readonly summaries: TraceSummaryJson[];
}

export type SearchSort = 'start' | 'duration';
export type SearchOrder = 'asc' | 'desc';

/**
 * POST /api/tl/search (the same fields work as GET query parameters). Times are epoch
 * nanoseconds as decimal strings, or RFC 3339; `lookback` is a duration ("1h", "2d").
 */
export interface SearchRequest {
  /** The span query, e.g. `service=checkout AND span.http.response.status_code >= 500`; see docs/api.md. */
  readonly q?: string;
  readonly start?: string;
  readonly end?: string;
  readonly lookback?: string;
  /** Default 20, at most 1000. */
  readonly limit?: number;
  readonly offset?: number;
  /** Default 'start'. */
  readonly sort?: SearchSort;
  /** Default 'desc'. */
  readonly order?: SearchOrder;
}

export interface SearchResponse {
  readonly traces: TraceSummaryJson[];
  /** Matching traces found (all of them unless `truncated`). */
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  /** More traces may match than were examined: narrow the time range or the query. */
  readonly truncated: boolean;
}

/**
 * GET /api/tl/traces/{id} and each trace of POST /api/tl/traces/upload: the spans in OTLP/JSON.
 * Clock-skew notes ride on the spans as the string-array attribute `tracelight.warnings`.
 */
export interface TraceView extends OtlpTracesJson {
  readonly traceId: string;
}

export interface UploadResponse {
  readonly traces: TraceView[];
}
