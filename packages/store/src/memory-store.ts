import type { AnyValue, Attributes, LogBatch, LogRecord, Span, SpanBatch } from '@tracelight/core';
import { anyValueToString, logsOf, serviceNameOf, spansOf, StatusCode, TracelightError } from '@tracelight/core';
import type {
  DependencyLink,
  DependencyQuery,
  GetTracesOptions,
  LogQuery,
  MetricsQuery,
  MetricsSeries,
  Operation,
  OperationQuery,
  RetentionPolicy,
  RetentionResult,
  Store,
  StoreStats,
  Trace,
  TraceQuery,
  TraceRef,
  TraceSummary,
} from './contract.js';
import { StoreErrorCode } from './contract.js';
import {
  logQueryHasBadId,
  logTimeOf,
  normalizeDependencyQuery,
  normalizeLogQuery,
  normalizeMetricsQuery,
  normalizeTraceIds,
  normalizeTraceQuery,
  quantileOfSorted,
  spanMatchesQuery,
} from './query.js';
import { summarizeTrace, summarySpanOf } from './summary.js';

export interface MemoryStoreOptions {
  /** Oldest traces (by arrival) are dropped beyond this many spans; log records likewise. Default 1,000,000. */
  readonly maxSpans?: number;
}

interface Entry {
  readonly span: Span;
  readonly serviceName: string;
  readonly bytes: number;
}

interface LogEntry {
  readonly record: LogRecord;
  readonly serviceName: string;
  readonly time: bigint;
  readonly bytes: number;
}

/**
 * A store that keeps everything in this process: for tests and `tracelight start --memory`.
 * Not durable; `bytes` in its stats is an estimate of the data's encoded size.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxSpans = options.maxSpans ?? 1_000_000;
  const traces = new Map<string, Map<string, Entry>>();
  // Traces in order of arrival, for eviction: each drop costs O(its spans), never a scan of
  // everything held. An entry whose trace was deleted since (retention) is skipped when reached;
  // the trace's map object tells a re-created trace with the same id apart.
  let arrival: [string, Map<string, Entry>][] = [];
  let arrivalHead = 0;
  let logs: LogEntry[] = [];
  let spanCount = 0;
  let spanBytes = 0;
  let logBytes = 0;
  let closed = false;
  // service -> kind and name -> the operation and how many held spans have it, so that
  // services and operations are forgotten with their last span, without a rebuild.
  const operations = new Map<string, Map<string, { op: Operation; spans: number }>>();

  const opKey = (span: Span) => `${span.kind}\u0000${span.name}`;

  const countOperation = (e: Entry) => {
    let ops = operations.get(e.serviceName);
    if (!ops) operations.set(e.serviceName, (ops = new Map()));
    const key = opKey(e.span);
    const known = ops.get(key);
    if (known) known.spans++;
    else ops.set(key, { op: { name: e.span.name, spanKind: e.span.kind }, spans: 1 });
  };

  /** Bookkeeping for one span that is no longer held (the caller removes it from its trace). */
  const forgetSpan = (e: Entry) => {
    spanCount--;
    spanBytes -= e.bytes;
    const ops = operations.get(e.serviceName)!;
    const key = opKey(e.span);
    const known = ops.get(key)!;
    if (--known.spans === 0) {
      ops.delete(key);
      if (ops.size === 0) operations.delete(e.serviceName);
    }
  };

  const evictOldest = () => {
    while (spanCount > maxSpans && arrivalHead < arrival.length) {
      const [traceId, trace] = arrival[arrivalHead++];
      if (traces.get(traceId) !== trace) continue;
      traces.delete(traceId);
      for (const e of trace.values()) forgetSpan(e);
    }
    if (arrivalHead > 1024 && arrivalHead * 2 > arrival.length) {
      arrival = arrival.slice(arrivalHead);
      arrivalHead = 0;
    }
  };

  const checkOpen = () => {
    if (closed) throw new TracelightError(StoreErrorCode.CLOSED, 'the store was shut down');
  };

  function* allEntries(): Generator<Entry> {
    for (const trace of traces.values()) yield* trace.values();
  }

  return {
    capabilities: { durable: false, logs: true, dependencies: true, metrics: true, retentionByAge: true, retentionBySize: true },
    async start() {},
    async shutdown() {
      closed = true;
    },

    async writeSpans(batch: SpanBatch) {
      checkOpen();
      const rows = spansOf(batch);
      for (const span of rows) {
        let trace = traces.get(span.traceId);
        if (!trace) {
          traces.set(span.traceId, (trace = new Map()));
          arrival.push([span.traceId, trace]);
        }
        // A retried span is kept once: the first copy stays.
        if (trace.has(span.spanId)) continue;
        const entry = { span, serviceName: serviceNameOf(span.resource), bytes: estimateSpanBytes(span) };
        trace.set(span.spanId, entry);
        spanCount++;
        spanBytes += entry.bytes;
        countOperation(entry);
      }
      evictOldest();
    },

    async writeLogs(batch: LogBatch) {
      checkOpen();
      for (const record of logsOf(batch)) {
        const bytes = 64 + valueBytes(record.body) + attributesBytes(record.attributes);
        logs.push({ record, serviceName: serviceNameOf(record.resource), time: logTimeOf(record), bytes });
        logBytes += bytes;
      }
      if (logs.length > maxSpans) {
        for (const dropped of logs.splice(0, logs.length - maxSpans)) logBytes -= dropped.bytes;
      }
    },

    async getServices() {
      return [...operations.keys()].sort();
    },

    async getOperations(query: OperationQuery) {
      const ops = [...(operations.get(query.serviceName)?.values() ?? [])].map((o) => o.op);
      return ops
        .filter((op) => query.spanKind === undefined || op.spanKind === query.spanKind)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind - b.spanKind));
    },

    async getTraces(traceIds: readonly string[], _options?: GetTracesOptions): Promise<Trace[]> {
      const out: Trace[] = [];
      for (const traceId of normalizeTraceIds(traceIds)) {
        const trace = traces.get(traceId);
        if (trace) out.push({ traceId, spans: [...trace.values()].map((e) => e.span) });
      }
      return out;
    },

    async findTraceIds(query: TraceQuery): Promise<TraceRef[]> {
      const q = normalizeTraceQuery(query);
      const hits: TraceRef[] = [];
      for (const [traceId, trace] of traces) {
        let best: bigint | undefined;
        for (const e of trace.values()) {
          const start = e.span.startTimeUnixNano;
          if ((best === undefined || start > best) && spanMatchesQuery(e.span, q, e.serviceName)) best = start;
        }
        if (best !== undefined) hits.push({ traceId, startTimeUnixNano: best });
      }
      hits.sort(compareTraceRefs);
      return hits.slice(0, q.limit);
    },

    async getTraceSummaries(traceIds: readonly string[]): Promise<TraceSummary[]> {
      const out: TraceSummary[] = [];
      for (const traceId of normalizeTraceIds(traceIds)) {
        const trace = traces.get(traceId);
        const summary = trace && summarizeTrace(traceId, [...trace.values()].map((e) => summarySpanOf(e.span)));
        if (summary) out.push(summary);
      }
      return out;
    },

    async getDependencies(query: DependencyQuery): Promise<DependencyLink[]> {
      const { startTimeUnixNano: from, endTimeUnixNano: to } = normalizeDependencyQuery(query);
      const links = new Map<string, { parent: string; child: string; callCount: number; errorCount: number }>();
      for (const trace of traces.values()) {
        for (const e of trace.values()) {
          const start = e.span.startTimeUnixNano;
          if (start < from || start > to || e.span.parentSpanId === '') continue;
          const parent = trace.get(e.span.parentSpanId);
          if (!parent || parent.serviceName === e.serviceName) continue;
          const key = `${parent.serviceName}\u0000${e.serviceName}`;
          let link = links.get(key);
          if (!link) links.set(key, (link = { parent: parent.serviceName, child: e.serviceName, callCount: 0, errorCount: 0 }));
          link.callCount++;
          if (e.span.status.code === StatusCode.ERROR) link.errorCount++;
        }
      }
      return [...links.values()].sort((a, b) => compareStrings(a.parent, b.parent) || compareStrings(a.child, b.child));
    },

    async getMetrics(query: MetricsQuery): Promise<MetricsSeries[]> {
      const q = normalizeMetricsQuery(query);
      const wantServices = new Set(q.serviceNames);
      const wantKinds = new Set(q.spanKinds);
      // series key -> bucket index -> durations and error count
      const series = new Map<string, { serviceName: string; operationName?: string; buckets: Map<bigint, { d: number[]; errors: number }> }>();
      for (const e of allEntries()) {
        const span = e.span;
        const start = span.startTimeUnixNano;
        if (start < q.startTimeUnixNano || start >= q.endTimeUnixNano) continue;
        if (wantServices.size > 0 && !wantServices.has(e.serviceName)) continue;
        if (wantKinds.size > 0 && !wantKinds.has(span.kind)) continue;
        const key = q.groupByOperation ? `${e.serviceName}\u0000${span.name}` : e.serviceName;
        let s = series.get(key);
        if (!s) {
          s = { serviceName: e.serviceName, buckets: new Map() };
          if (q.groupByOperation) s.operationName = span.name;
          series.set(key, s);
        }
        const k = (start - q.startTimeUnixNano) / q.stepNano;
        let bucket = s.buckets.get(k);
        if (!bucket) s.buckets.set(k, (bucket = { d: [], errors: 0 }));
        bucket.d.push(Number(span.endTimeUnixNano - start));
        if (span.status.code === StatusCode.ERROR) bucket.errors++;
      }
      const out: MetricsSeries[] = [];
      for (const s of series.values()) {
        const points = [...s.buckets]
          .sort((a, b) => (a[0] < b[0] ? -1 : 1))
          .map(([k, b]) => {
            const sorted = Float64Array.from(b.d).sort();
            return {
              timeUnixNano: q.startTimeUnixNano + k * q.stepNano,
              callCount: b.d.length,
              errorCount: b.errors,
              latencyQuantilesNano: q.quantiles.map((p) => quantileOfSorted(sorted, p)),
            };
          });
        out.push(s.operationName === undefined ? { serviceName: s.serviceName, points } : { serviceName: s.serviceName, operationName: s.operationName, points });
      }
      return out.sort((a, b) => compareStrings(a.serviceName, b.serviceName) || compareStrings(a.operationName ?? '', b.operationName ?? ''));
    },

    async findLogs(query: LogQuery) {
      const q = normalizeLogQuery(query);
      if (logQueryHasBadId(q)) return [];
      const traceId = q.traceId?.toLowerCase();
      const spanId = q.spanId?.toLowerCase();
      const text = q.text?.toLowerCase();
      const hits = logs.filter(
        (e) =>
          (traceId === undefined || e.record.traceId === traceId) &&
          (spanId === undefined || e.record.spanId === spanId) &&
          (q.serviceName === undefined || e.serviceName === q.serviceName) &&
          (q.severityNumberMin === undefined || e.record.severityNumber >= q.severityNumberMin) &&
          (q.startTimeMinUnixNano === undefined || e.time >= q.startTimeMinUnixNano) &&
          (q.startTimeMaxUnixNano === undefined || e.time <= q.startTimeMaxUnixNano) &&
          (text === undefined || anyValueToString(e.record.body).toLowerCase().includes(text)),
      );
      // Stable sort: equal times keep arrival order, newest arrival first.
      hits.reverse().sort((a, b) => (a.time > b.time ? -1 : a.time < b.time ? 1 : 0));
      return hits.slice(0, q.limit).map((e) => e.record);
    },

    async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
      const before = { spans: spanCount, logs: logs.length };
      if (policy.olderThanUnixNano !== undefined) {
        const cutoff = policy.olderThanUnixNano;
        deleteSpansWhere((e) => e.span.startTimeUnixNano < cutoff);
        deleteLogsWhere((e) => e.time < cutoff);
      }
      if (policy.maxBytes !== undefined && spanBytes + logBytes > policy.maxBytes) {
        // Oldest first: find the start-time cutoff that brings spans and logs under the bound.
        const times = [...allEntries()].map((e) => ({ t: e.span.startTimeUnixNano, b: e.bytes }));
        for (const e of logs) times.push({ t: e.time, b: e.bytes });
        times.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
        let excess = spanBytes + logBytes - policy.maxBytes;
        let cutoff = 0n;
        for (const { t, b } of times) {
          if (excess <= 0) break;
          excess -= b;
          cutoff = t + 1n;
        }
        deleteSpansWhere((e) => e.span.startTimeUnixNano < cutoff);
        deleteLogsWhere((e) => e.time < cutoff);
      }
      return { deletedSpans: before.spans - spanCount, deletedLogs: before.logs - logs.length };
    },

    async stats(): Promise<StoreStats> {
      return { spanCount, logCount: logs.length, bytes: spanBytes + logBytes };
    },
  };

  function deleteSpansWhere(drop: (e: Entry) => boolean) {
    for (const [traceId, trace] of traces) {
      for (const [spanId, e] of trace) {
        if (!drop(e)) continue;
        trace.delete(spanId);
        forgetSpan(e);
      }
      if (trace.size === 0) traces.delete(traceId);
    }
  }

  function deleteLogsWhere(drop: (e: LogEntry) => boolean) {
    const kept: LogEntry[] = [];
    for (const e of logs) {
      if (drop(e)) logBytes -= e.bytes;
      else kept.push(e);
    }
    logs = kept;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most recent first, ties by trace id (the order every store returns search hits in). */
export function compareTraceRefs(a: TraceRef, b: TraceRef): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 1;
  return compareStrings(a.traceId, b.traceId);
}

function valueBytes(value: AnyValue): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.length;
  if (value === null || typeof value !== 'object') return 8;
  return anyValueToString(value).length;
}

function attributesBytes(attributes: Attributes): number {
  let n = 0;
  for (const kv of attributes) n += kv.key.length + valueBytes(kv.value) + 2;
  return n;
}

/** A rough size of a span's content: ids, times, names, attributes and events. */
function estimateSpanBytes(span: Span): number {
  let n = 16 + 8 + 8 + 16 + span.name.length + span.traceState.length + span.status.message.length + attributesBytes(span.attributes);
  for (const e of span.events) n += 8 + e.name.length + attributesBytes(e.attributes);
  for (const l of span.links) n += 24 + attributesBytes(l.attributes);
  return n;
}
