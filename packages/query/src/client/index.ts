/**
 * A typed client for the query API, for the web UI (and scripts). Browser-safe: it uses only
 * `fetch` and imports nothing Node-only. Answers are checked before they are handed out; a
 * response that does not have the expected shape is an error (QUERY_CLIENT_BAD_RESPONSE), not a
 * surprise three components later.
 */
import type { LogRecord, Span } from '@tracelight/core';
import { logsOf, spansOf, TracelightError } from '@tracelight/core';
import { decodeLogsRequest, decodeTraceRequest } from '@tracelight/otlp';
import type { TraceSummary } from '@tracelight/store';
import type { JaegerDependencyLink, JaegerOperation, MetricFamily, SearchRequest } from '../api-types.js';
export type {
  JaegerDependencyLink,
  JaegerOperation,
  Metric,
  MetricFamily,
  MetricPoint,
  SearchOrder,
  SearchRequest,
  SearchSort,
  TraceSummaryJson,
} from '../api-types.js';
import type { TraceSkeleton } from './skeleton.js';
import { decodeSkeleton, SKELETON_CONTENT_TYPE } from './skeleton.js';
export type { RowColumns, SkeletonHeader, SpanRows, TraceSkeleton } from './skeleton.js';
export { decodeSkeleton, SkeletonFlag, spanRows } from './skeleton.js';
import { checkDependencies, checkMetricFamily, checkOperations, checkStringArray, checkSummaries, checkTraceViews, fail } from './internal/validate.js';

/** The attribute the server puts clock-skew notes in (WARNINGS_ATTRIBUTE in the server package). */
const WARNINGS_ATTRIBUTE = 'tracelight.warnings';

export interface QueryClientOptions {
  /** Default: the global fetch. */
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Sent with every request (e.g. an authorization header in front of a proxy). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failed call: `status` is the HTTP status (0 when the request never got an answer), `code` the server's error code. */
export class QueryClientError extends TracelightError {
  readonly status: number;
  constructor(code: string, message: string, status: number, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: status === 503 || status === 0, cause: options.cause });
    this.name = 'QueryClientError';
    this.status = status;
  }
}

/** A trace ready for the UI: the spans (as core rows) and the server's clock-skew notes per span id. */
export interface ClientTrace {
  readonly traceId: string;
  readonly spans: Span[];
  readonly warnings: ReadonlyMap<string, readonly string[]>;
}

export interface SearchResult {
  readonly traces: TraceSummary[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  readonly truncated: boolean;
}

export interface DependencyQuery {
  /** Default: now. */
  readonly endTimeUnixNano?: bigint;
  /** Default 24 h. */
  readonly lookbackNano?: bigint;
  readonly service?: string;
}

export interface MetricsQuery {
  readonly services: readonly string[];
  /** For latencies; default 0.95. */
  readonly quantile?: number;
  readonly groupByOperation?: boolean;
  /** OTLP names ('SPAN_KIND_SERVER') or Jaeger's ('server'); default server. */
  readonly spanKinds?: readonly string[];
  readonly endTimeUnixNano?: bigint;
  readonly lookbackNano?: bigint;
  readonly stepNano?: bigint;
  readonly ratePerNano?: bigint;
}

export interface LogQuery {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly service?: string;
  readonly severityMin?: number;
  readonly text?: string;
  readonly startTimeUnixNano?: bigint;
  readonly endTimeUnixNano?: bigint;
  readonly limit?: number;
}

export interface QueryClient {
  services(): Promise<string[]>;
  operations(service: string, spanKind?: string): Promise<JaegerOperation[]>;
  /** Tracelight search (`/api/tl/search`): the query language of docs/api.md, sorting, paging. */
  search(request: SearchRequest): Promise<SearchResult>;
  /** A stored trace, clock-skew adjusted unless `raw`; undefined when the store does not have it. */
  trace(traceId: string, options?: { readonly raw?: boolean }): Promise<ClientTrace | undefined>;
  /**
   * A stored trace's skeleton (`/api/tl/traces/{id}/skeleton`): what the timeline draws, as typed
   * arrays, clock-skew adjusted unless `raw`; undefined when the store does not have the trace.
   */
  skeleton(traceId: string, options?: { readonly raw?: boolean }): Promise<TraceSkeleton | undefined>;
  /** One span of a stored trace with its clock-skew notes; undefined when the trace or span is not there. */
  span(traceId: string, spanId: string, options?: { readonly raw?: boolean }): Promise<{ span: Span; warnings: readonly string[] } | undefined>;
  traceSummaries(traceIds: readonly string[]): Promise<TraceSummary[]>;
  /** Shows an OTLP/JSON or Jaeger JSON file without storing it. */
  upload(file: Blob | ArrayBuffer | Uint8Array | string, options?: { readonly raw?: boolean }): Promise<ClientTrace[]>;
  /** A link that downloads the trace as an OTLP/JSON file. */
  downloadUrl(traceId: string): string;
  dependencies(query?: DependencyQuery): Promise<JaegerDependencyLink[]>;
  metrics(kind: 'latencies' | 'calls' | 'errors', query: MetricsQuery): Promise<MetricFamily>;
  logs(query: LogQuery): Promise<LogRecord[]>;
}

const MS = 1_000_000n;

/** Spans from OTLP/JSON bytes (extra top-level keys such as `traceId` are ignored), warnings taken out of their attribute. */
function decodeTrace(traceId: string, bytes: Uint8Array): ClientTrace {
  let decoded;
  try {
    decoded = decodeTraceRequest(bytes, 'json');
  } catch (err) {
    throw fail(`trace ${traceId}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (decoded.rejected > 0) throw fail(`trace ${traceId}: ${decoded.errorMessage}`);
  const warnings = new Map<string, readonly string[]>();
  const spans = spansOf(decoded.batch).map((span) => {
    const notes = span.attributes.find((kv) => kv.key === WARNINGS_ATTRIBUTE);
    if (!notes) return span;
    if (Array.isArray(notes.value)) warnings.set(span.spanId, notes.value.map(String));
    return { ...span, attributes: span.attributes.filter((kv) => kv !== notes) };
  });
  return { traceId, spans, warnings };
}

function toClientTrace(traceId: string, resourceSpans: unknown): ClientTrace {
  return decodeTrace(traceId, new TextEncoder().encode(JSON.stringify({ resourceSpans })));
}

function toSummary(s: ReturnType<typeof checkSummaries>[number]): TraceSummary {
  return {
    traceId: s.traceId,
    rootServiceName: s.rootServiceName,
    rootSpanName: s.rootSpanName,
    startTimeUnixNano: BigInt(s.startTimeUnixNano),
    durationNano: BigInt(s.durationNano),
    spanCount: s.spanCount,
    errorCount: s.errorCount,
    services: s.services.map((x) => ({ ...x })),
  };
}

/** A client for the query API at `baseUrl` ('' for the same origin, or e.g. 'http://127.0.0.1:16686'). */
export function createQueryClient(baseUrl: string, options: QueryClientOptions = {}): QueryClient {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));

  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await doFetch(base + path, { ...init, headers: { accept: 'application/json', ...options.headers, ...(init.headers as Record<string, string>) } });
    } catch (err) {
      throw new QueryClientError('QUERY_CLIENT_UNREACHABLE', `cannot reach the query API: ${err instanceof Error ? err.message : String(err)}`, 0, { cause: err });
    }
    if (res.ok) return res;
    let code = `HTTP_${res.status}`;
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { code?: unknown; message?: unknown }; errors?: { msg?: unknown }[] };
      if (body.error && typeof body.error.message === 'string') {
        message = body.error.message;
        if (typeof body.error.code === 'string') code = body.error.code;
      } else if (Array.isArray(body.errors) && typeof body.errors[0]?.msg === 'string') {
        message = body.errors[0].msg;
      }
    } catch {
      // Not JSON: keep the status line.
    }
    throw new QueryClientError(code, message, res.status);
  };
  const json = async (path: string, init?: RequestInit): Promise<unknown> => {
    const res = await request(path, init);
    try {
      return await res.json();
    } catch (err) {
      throw fail(`${path}: the answer is not JSON`, err);
    }
  };
  const query = (params: Record<string, string | number | boolean | bigint | readonly string[] | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
      else q.set(k, String(v));
    }
    const s = q.toString();
    return s === '' ? '' : `?${s}`;
  };
  const envelopeData = (body: unknown, path: string): unknown => {
    if (typeof body !== 'object' || body === null || !('data' in body)) throw fail(`${path}: expected Jaeger's {data, …} envelope`);
    return (body as { data: unknown }).data;
  };

  return {
    async services() {
      return checkStringArray(envelopeData(await json('/api/services'), 'services'), 'services');
    },
    async operations(service, spanKind) {
      return checkOperations(envelopeData(await json(`/api/operations${query({ service, spanKind })}`), 'operations'));
    },
    async search(req) {
      const body = await json('/api/tl/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req) });
      const o = body as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || typeof o.total !== 'number' || typeof o.limit !== 'number' || typeof o.offset !== 'number' || typeof o.truncated !== 'boolean') {
        throw fail('search: unexpected answer');
      }
      return { traces: checkSummaries(o.traces).map(toSummary), total: o.total, limit: o.limit, offset: o.offset, truncated: o.truncated };
    },
    async trace(traceId, opts = {}) {
      try {
        const res = await request(`/api/tl/traces/${encodeURIComponent(traceId)}${query({ raw: opts.raw || undefined })}`);
        // One parse: the OTLP decoder reads the body as it is (it ignores the extra traceId key).
        return decodeTrace(traceId.toLowerCase(), new Uint8Array(await res.arrayBuffer()));
      } catch (err) {
        if (err instanceof QueryClientError && err.status === 404) return undefined;
        throw err;
      }
    },
    async skeleton(traceId, opts = {}) {
      let res: Response;
      try {
        res = await request(`/api/tl/traces/${encodeURIComponent(traceId)}/skeleton${query({ raw: opts.raw || undefined })}`, { headers: { accept: SKELETON_CONTENT_TYPE } });
      } catch (err) {
        if (err instanceof QueryClientError && err.status === 404) return undefined;
        throw err;
      }
      try {
        return decodeSkeleton(await res.arrayBuffer());
      } catch (err) {
        throw fail(`trace ${traceId}: ${err instanceof Error ? err.message : String(err)}`, err);
      }
    },
    async span(traceId, spanId, opts = {}) {
      try {
        const res = await request(`/api/tl/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}${query({ raw: opts.raw || undefined })}`);
        const t = decodeTrace(traceId.toLowerCase(), new Uint8Array(await res.arrayBuffer()));
        const span = t.spans.find((s) => s.spanId === spanId.toLowerCase());
        if (!span) throw fail(`span ${spanId}: the answer does not hold it`);
        return { span, warnings: t.warnings.get(span.spanId) ?? [] };
      } catch (err) {
        if (err instanceof QueryClientError && err.status === 404) return undefined;
        throw err;
      }
    },
    async traceSummaries(traceIds) {
      if (traceIds.length === 0) return [];
      const body = (await json(`/api/v3/trace-summaries${query({ trace_id: traceIds })}`)) as { summaries?: unknown };
      return checkSummaries(body?.summaries).map(toSummary);
    },
    async upload(file, opts = {}) {
      const body = typeof file === 'string' ? file : file instanceof Blob ? file : file instanceof Uint8Array ? file.slice() : new Uint8Array(file);
      const res = (await json(`/api/tl/traces/upload${query({ raw: opts.raw || undefined })}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })) as { traces?: unknown };
      return checkTraceViews(res?.traces).map((v) => toClientTrace(v.traceId, v.resourceSpans));
    },
    downloadUrl(traceId) {
      return `${base}/api/tl/traces/${encodeURIComponent(traceId)}/download`;
    },
    async dependencies(q = {}) {
      const params = {
        endTs: q.endTimeUnixNano === undefined ? undefined : q.endTimeUnixNano / MS,
        lookback: q.lookbackNano === undefined ? undefined : q.lookbackNano / MS,
        service: q.service,
      };
      return checkDependencies(envelopeData(await json(`/api/dependencies${query(params)}`), 'dependencies'));
    },
    async metrics(kind, q) {
      const ms = (v: bigint | undefined) => (v === undefined ? undefined : v / MS);
      const params = {
        service: q.services,
        quantile: kind === 'latencies' ? (q.quantile ?? 0.95) : undefined,
        groupByOperation: q.groupByOperation,
        spanKind: q.spanKinds,
        endTs: ms(q.endTimeUnixNano),
        lookback: ms(q.lookbackNano),
        step: ms(q.stepNano),
        ratePer: ms(q.ratePerNano),
      };
      return checkMetricFamily(await json(`/api/metrics/${kind}${query(params)}`));
    },
    async logs(q) {
      const res = await request(
        `/api/tl/logs${query({ traceId: q.traceId, spanId: q.spanId, service: q.service, severityMin: q.severityMin, text: q.text, start: q.startTimeUnixNano, end: q.endTimeUnixNano, limit: q.limit })}`,
      );
      const decoded = decodeLogsRequest(new Uint8Array(await res.arrayBuffer()), 'json');
      return logsOf(decoded.batch);
    },
  };
}
