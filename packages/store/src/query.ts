import type { AnyValue, LogRecord, Span, SpanKind } from '@tracelight/core';
import { anyValueToString, isValidSpanIdHex, isValidTraceIdHex, serviceNameOf, StatusCode, TracelightError } from '@tracelight/core';
import type { AttributeFilter, AttributeScope, DependencyQuery, LogQuery, MetricsQuery, TraceQuery } from './contract.js';
import { DEFAULT_LOG_LIMIT, DEFAULT_QUANTILES, DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT, StoreErrorCode } from './contract.js';

/** A TraceQuery with its defaults applied and its values checked. */
export interface NormalizedTraceQuery extends TraceQuery {
  readonly attributes: readonly Required<AttributeFilter>[];
  readonly limit: number;
}

export interface NormalizedMetricsQuery extends MetricsQuery {
  readonly serviceNames: readonly string[];
  readonly spanKinds: readonly SpanKind[];
  readonly groupByOperation: boolean;
  readonly quantiles: readonly number[];
}

export interface NormalizedLogQuery extends LogQuery {
  readonly limit: number;
}

function invalid(message: string): TracelightError {
  return new TracelightError(StoreErrorCode.INVALID_QUERY, message);
}

function checkLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit <= 0) throw invalid(`limit must be a positive integer, got ${limit}`);
  return Math.min(limit, max);
}

const SCOPES: ReadonlySet<string> = new Set<AttributeScope>(['span', 'resource', 'event', 'any']);

/** Applies defaults and checks values; throws a `STORE_INVALID_QUERY` TracelightError. */
export function normalizeTraceQuery(query: TraceQuery): NormalizedTraceQuery {
  const attributes = (query.attributes ?? []).map((f) => {
    const scope = f.scope ?? 'any';
    if (!SCOPES.has(scope)) throw invalid(`unknown attribute scope '${scope}'`);
    if (typeof f.key !== 'string' || f.key === '') throw invalid('attribute filter without a key');
    if (typeof f.value !== 'string') throw invalid(`attribute filter '${f.key}' has a value that is not a string`);
    return { key: f.key, value: f.value, scope };
  });
  const { durationMinNano: dmin, durationMaxNano: dmax, startTimeMinUnixNano: tmin, startTimeMaxUnixNano: tmax } = query;
  if (dmin !== undefined && dmax !== undefined && dmin > dmax) throw invalid('durationMin is greater than durationMax');
  if (tmin !== undefined && tmax !== undefined && tmin > tmax) throw invalid('startTimeMin is after startTimeMax');
  return { ...query, attributes, limit: checkLimit(query.limit, DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT) };
}

export function normalizeMetricsQuery(query: MetricsQuery): NormalizedMetricsQuery {
  if (query.stepNano <= 0n) throw invalid('step must be positive');
  if (query.endTimeUnixNano < query.startTimeUnixNano) throw invalid('end is before start');
  if ((query.endTimeUnixNano - query.startTimeUnixNano) / query.stepNano > 100_000n) throw invalid('more than 100,000 steps');
  const quantiles = query.quantiles && query.quantiles.length > 0 ? query.quantiles : DEFAULT_QUANTILES;
  for (const q of quantiles) if (!(q > 0 && q <= 1)) throw invalid(`quantile ${q} is not in (0, 1]`);
  return {
    ...query,
    serviceNames: query.serviceNames ?? [],
    spanKinds: query.spanKinds ?? [],
    groupByOperation: query.groupByOperation ?? false,
    quantiles,
  };
}

export function normalizeDependencyQuery(query: DependencyQuery): DependencyQuery {
  if (query.endTimeUnixNano < query.startTimeUnixNano) throw invalid('end is before start');
  return query;
}

export function normalizeLogQuery(query: LogQuery): NormalizedLogQuery {
  const { startTimeMinUnixNano: tmin, startTimeMaxUnixNano: tmax } = query;
  if (tmin !== undefined && tmax !== undefined && tmin > tmax) throw invalid('startTimeMin is after startTimeMax');
  return { ...query, limit: checkLimit(query.limit, DEFAULT_LOG_LIMIT, 100_000) };
}

/** Lower-cased valid trace ids, each once, in the order given; malformed ones dropped. */
export function normalizeTraceIds(traceIds: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of traceIds) {
    const lower = typeof id === 'string' ? id.toLowerCase() : '';
    if (isValidTraceIdHex(lower)) out.add(lower);
  }
  return [...out];
}

/** True when a log query's trace/span id can never match (malformed), so a store can answer []. */
export function logQueryHasBadId(query: LogQuery): boolean {
  return (
    (query.traceId !== undefined && !isValidTraceIdHex(query.traceId.toLowerCase())) ||
    (query.spanId !== undefined && !isValidSpanIdHex(query.spanId.toLowerCase()))
  );
}

/** The time a log record is searched and ordered by. */
export function logTimeOf(record: Pick<LogRecord, 'timeUnixNano' | 'observedTimeUnixNano'>): bigint {
  return record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano;
}

function hasAttribute(attributes: readonly { key: string; value: AnyValue }[], key: string, value: string): boolean {
  for (const kv of attributes) if (kv.key === key && anyValueToString(kv.value) === value) return true;
  return false;
}

/** Whether one span satisfies one attribute filter (the reference semantics for every store). */
export function spanMatchesAttribute(span: Span, filter: Required<AttributeFilter>): boolean {
  const { key, value, scope } = filter;
  if ((scope === 'span' || scope === 'any') && hasAttribute(span.attributes, key, value)) return true;
  if ((scope === 'resource' || scope === 'any') && hasAttribute(span.resource.attributes, key, value)) return true;
  if (scope === 'event' || scope === 'any') {
    for (const event of span.events) if (hasAttribute(event.attributes, key, value)) return true;
  }
  return false;
}

/** Whether one span satisfies every condition of the query (the reference semantics). */
export function spanMatchesQuery(span: Span, query: NormalizedTraceQuery, serviceName = serviceNameOf(span.resource)): boolean {
  if (query.serviceName !== undefined && serviceName !== query.serviceName) return false;
  if (query.operationName !== undefined && span.name !== query.operationName) return false;
  if (query.spanKind !== undefined && span.kind !== query.spanKind) return false;
  if (query.errorOnly && span.status.code !== StatusCode.ERROR) return false;
  const start = span.startTimeUnixNano;
  if (query.startTimeMinUnixNano !== undefined && start < query.startTimeMinUnixNano) return false;
  if (query.startTimeMaxUnixNano !== undefined && start > query.startTimeMaxUnixNano) return false;
  const duration = span.endTimeUnixNano - start;
  if (query.durationMinNano !== undefined && duration < query.durationMinNano) return false;
  if (query.durationMaxNano !== undefined && duration > query.durationMaxNano) return false;
  for (const f of query.attributes) if (!spanMatchesAttribute(span, f)) return false;
  return true;
}

/**
 * Quantile `q` of ascending `sorted` values by linear interpolation between closest ranks
 * (DuckDB's quantile_cont, numpy's default). NaN for no values.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
