import type { LogBatch, LogRecord, Span, SpanBatch, SpanKind } from '@tracelight/core';

/**
 * What a store can do; callers check it instead of catching "unsupported". A method whose flag
 * is false rejects with a TracelightError of code `STORE_UNSUPPORTED`.
 */
export interface StoreCapabilities {
  /** Writes resolve only once the data survives a crash of this process. */
  readonly durable: boolean;
  /** `writeLogs` keeps log records and `findLogs` finds them. */
  readonly logs: boolean;
  /** `getDependencies` works. */
  readonly dependencies: boolean;
  /** `getMetrics` works (span-derived call counts, error counts, latency quantiles). */
  readonly metrics: boolean;
  /** `applyRetention` honours `olderThanUnixNano`. */
  readonly retentionByAge: boolean;
  /** `applyRetention` honours `maxBytes`. */
  readonly retentionBySize: boolean;
}

/**
 * The write side. Each promise resolves once the batch is committed (durable when
 * `capabilities.durable`), and rejects with a TracelightError: `STORE_BUSY` (retryable) when the
 * store's bounded write queue is full, `STORE_CLOSED` after `shutdown()`. Writing the same
 * (trace id, span id) twice is allowed (retries): reads collapse the copies.
 */
export interface StoreWriter {
  writeSpans(batch: SpanBatch): Promise<void>;
  writeLogs(batch: LogBatch): Promise<void>;
}

export interface Trace {
  readonly traceId: string;
  /** Every span of the trace once per span id, in no particular order. */
  readonly spans: Span[];
}

export interface GetTracesOptions {
  /** Hints that let a store skip partitions; never a filter on the spans returned. */
  readonly startTimeMinUnixNano?: bigint;
  readonly startTimeMaxUnixNano?: bigint;
}

/** Where an attribute filter looks. `any` = span, resource or event attributes. */
export type AttributeScope = 'span' | 'resource' | 'event' | 'any';

/**
 * An exact-match attribute filter. `value` is compared with the attribute's text form
 * (`anyValueToString` from core: 200n and 200.0 both read "200", true reads "true"), so a
 * query string like `http.status_code=500` finds an int attribute. Several filters are ANDed,
 * and each may be satisfied in a different scope of the same span.
 */
export interface AttributeFilter {
  readonly key: string;
  readonly value: string;
  /** Default 'any'. */
  readonly scope?: AttributeScope;
}

/**
 * Trace search, after Jaeger's TraceQueryParams. A trace matches when at least one of its spans
 * matches every condition given at once (service, operation, kind, attributes, duration, start
 * time, error). Ranges are inclusive. Times and durations are nanoseconds.
 */
export interface TraceQuery {
  readonly serviceName?: string;
  readonly operationName?: string;
  readonly spanKind?: SpanKind;
  readonly attributes?: readonly AttributeFilter[];
  readonly startTimeMinUnixNano?: bigint;
  readonly startTimeMaxUnixNano?: bigint;
  readonly durationMinNano?: bigint;
  readonly durationMaxNano?: bigint;
  /** Only spans with status ERROR match. */
  readonly errorOnly?: boolean;
  /** Number of traces. Default 20 (DEFAULT_TRACE_LIMIT); stores may cap it at 10,000. */
  readonly limit?: number;
}

/** A search hit: the trace and the start time of its most recent matching span. */
export interface TraceRef {
  readonly traceId: string;
  readonly startTimeUnixNano: bigint;
}

export interface ServiceSpanCount {
  readonly serviceName: string;
  readonly spanCount: number;
  readonly errorCount: number;
}

/** One row of a search result list; every count is once per (trace id, span id). */
export interface TraceSummary {
  readonly traceId: string;
  /**
   * Service and span name of the root span: the earliest-starting span without a parent, or, when
   * every span has a parent (a trace whose root is missing), the earliest-starting span.
   */
  readonly rootServiceName: string;
  readonly rootSpanName: string;
  /** Earliest span start. */
  readonly startTimeUnixNano: bigint;
  /** Latest span end minus earliest span start (0 when negative). */
  readonly durationNano: bigint;
  readonly spanCount: number;
  /** Spans with status ERROR. */
  readonly errorCount: number;
  /** By service name. */
  readonly services: ServiceSpanCount[];
}

export interface OperationQuery {
  readonly serviceName: string;
  /** Only operations with this kind; all kinds when absent. */
  readonly spanKind?: SpanKind;
}

/** An operation of a service; one name seen with two kinds is two operations. */
export interface Operation {
  readonly name: string;
  readonly spanKind: SpanKind;
}

export interface DependencyQuery {
  /** Child spans starting in [start, end] count (inclusive). */
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
}

/**
 * Calls from one service to another: a child span whose parent span (in the same trace) belongs
 * to a different service. Counted once per child (trace id, span id).
 */
export interface DependencyLink {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
  /** Child spans with status ERROR. */
  readonly errorCount: number;
}

/**
 * Span-derived metrics (RED): spans starting in [start, end) are put in buckets of `stepNano`
 * (bucket k starts at start + k * step) per service, and per operation when asked.
 */
export interface MetricsQuery {
  /** One or more services; all services when absent or empty. */
  readonly serviceNames?: readonly string[];
  /** Split by operation (span name). */
  readonly groupByOperation?: boolean;
  /** Only these kinds; all kinds when absent or empty. */
  readonly spanKinds?: readonly SpanKind[];
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  /** > 0. */
  readonly stepNano: bigint;
  /** In (0, 1]. Default [0.5, 0.95, 0.99] (DEFAULT_QUANTILES). */
  readonly quantiles?: readonly number[];
}

export interface MetricsPoint {
  /** Start of the bucket. */
  readonly timeUnixNano: bigint;
  readonly callCount: number;
  readonly errorCount: number;
  /**
   * Span duration quantiles in nanoseconds, in the order of the query's `quantiles`. Stores may
   * interpolate or approximate: a value lies between the nearest-rank neighbours of the exact one.
   */
  readonly latencyQuantilesNano: number[];
}

export interface MetricsSeries {
  readonly serviceName: string;
  /** Present when the query grouped by operation. */
  readonly operationName?: string;
  /** Only buckets with at least one span, in time order. */
  readonly points: MetricsPoint[];
}

/** Which log records to find. Every field given must hold (AND). */
export interface LogQuery {
  readonly traceId?: string;
  readonly spanId?: string;
  /** The resource's service.name. */
  readonly serviceName?: string;
  /** severityNumber >= this (OTLP: 9 INFO, 13 WARN, 17 ERROR). */
  readonly severityNumberMin?: number;
  /** Case-insensitive substring of the body's text form (`anyValueToString`). */
  readonly text?: string;
  /**
   * Inclusive time window on the record's time (`timeUnixNano`, or `observedTimeUnixNano` when
   * the record has no time).
   */
  readonly startTimeMinUnixNano?: bigint;
  readonly startTimeMaxUnixNano?: bigint;
  /** Default 100 (DEFAULT_LOG_LIMIT). */
  readonly limit?: number;
}

/** What to delete. Both may be given; the oldest data goes first. */
export interface RetentionPolicy {
  /** Delete spans starting, and log records timed, before this. */
  readonly olderThanUnixNano?: bigint;
  /** Delete the oldest data until the store's data takes at most this many bytes (its own estimate). */
  readonly maxBytes?: number;
}

export interface RetentionResult {
  readonly deletedSpans: number;
  readonly deletedLogs: number;
}

export interface StoreStats {
  /** Span rows held, duplicates from retries included. */
  readonly spanCount: number;
  readonly logCount: number;
  /** Bytes the data takes on disk (memory stores: an estimate of the bytes held). */
  readonly bytes: number;
}

/**
 * The read side. Unknown ids are not errors: they are left out of the result. Hex ids are
 * accepted in either case; malformed ones are left out too.
 */
export interface StoreReader {
  /** Every service seen, sorted. */
  getServices(): Promise<string[]>;
  /** The service's operations, sorted by name then kind; [] for an unknown service. */
  getOperations(query: OperationQuery): Promise<Operation[]>;
  /** Traces for the given hex ids (several at once), each at most once. */
  getTraces(traceIds: readonly string[], options?: GetTracesOptions): Promise<Trace[]>;
  /**
   * Traces with a span matching `query`, up to `limit`, most recent first: ordered by the start
   * time of each trace's most recent matching span, descending (ties by trace id).
   */
  findTraceIds(query: TraceQuery): Promise<TraceRef[]>;
  /** Summaries for the given hex ids, in the order asked, unknown ids left out. */
  getTraceSummaries(traceIds: readonly string[]): Promise<TraceSummary[]>;
  /** Sorted by parent then child. */
  getDependencies(query: DependencyQuery): Promise<DependencyLink[]>;
  /** Sorted by service then operation. */
  getMetrics(query: MetricsQuery): Promise<MetricsSeries[]>;
  /** Matching log records, newest first, up to `limit`. */
  findLogs(query: LogQuery): Promise<LogRecord[]>;
}

export interface Store extends StoreWriter, StoreReader {
  readonly capabilities: StoreCapabilities;
  start(): Promise<void>;
  /** Idempotent. Pending writes are committed first; later writes reject with `STORE_CLOSED`. */
  shutdown(): Promise<void>;
  /** Deletes old data now (stores may also do it on a schedule of their own). */
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  stats(): Promise<StoreStats>;
}

export const DEFAULT_TRACE_LIMIT = 20;
export const MAX_TRACE_LIMIT = 10_000;
export const DEFAULT_LOG_LIMIT = 100;
export const DEFAULT_QUANTILES: readonly number[] = Object.freeze([0.5, 0.95, 0.99]);

/** Error codes stores reject with (TracelightError.code). */
export const StoreErrorCode = {
  /** The bounded write queue is full; retry later. Retryable. */
  BUSY: 'STORE_BUSY',
  /** The store was shut down. Not retryable. */
  CLOSED: 'STORE_CLOSED',
  /** The capability for this method is false. */
  UNSUPPORTED: 'STORE_UNSUPPORTED',
  /** A query with invalid values (a negative limit, a zero step, ...). Not retryable. */
  INVALID_QUERY: 'STORE_INVALID_QUERY',
} as const;
