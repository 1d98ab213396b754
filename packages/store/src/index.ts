export type {
  AttributeFilter,
  AttributeScope,
  DependencyLink,
  DependencyQuery,
  GetTracesOptions,
  LogQuery,
  MetricsPoint,
  MetricsQuery,
  MetricsSeries,
  Operation,
  OperationQuery,
  RetentionPolicy,
  RetentionResult,
  ServiceSpanCount,
  Store,
  StoreCapabilities,
  StoreReader,
  StoreStats,
  StoreWriter,
  Trace,
  TraceQuery,
  TraceRef,
  TraceSummary,
} from './contract.js';
export { DEFAULT_LOG_LIMIT, DEFAULT_QUANTILES, DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT, StoreErrorCode } from './contract.js';
export { findTraces } from './find-traces.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { compareTraceRefs, createMemoryStore } from './memory-store.js';
export type { NormalizedLogQuery, NormalizedMetricsQuery, NormalizedTraceQuery } from './query.js';
export {
  logQueryHasBadId,
  logTimeOf,
  normalizeDependencyQuery,
  normalizeLogQuery,
  normalizeMetricsQuery,
  normalizeTraceIds,
  normalizeTraceQuery,
  quantileOfSorted,
  spanMatchesAttribute,
  spanMatchesQuery,
} from './query.js';
export type { SummarySpan } from './summary.js';
export { summarizeTrace, summarySpanOf } from './summary.js';
