export type { AnyValue, AnyValueType, Attributes, KeyValue, KvList } from './attributes.js';
export {
  anyValueEquals,
  anyValueToJson,
  anyValueToString,
  anyValueType,
  attributesEqual,
  getAttribute,
  isKvList,
} from './attributes.js';
export { base64ToBytes, bytesToBase64 } from './internal/base64.js';
export {
  bytesToHex,
  hexToBytes,
  isValidSpanIdHex,
  isValidTraceIdHex,
  isZero,
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
} from './ids.js';
export type { LogBatch } from './log-batch.js';
export { emptyLogBatch, logAt, LogBatchBuilder, logBatchFromRecords, logsOf } from './log-batch.js';
export type {
  InstrumentationScope,
  LogRecord,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
} from './model.js';
export { EMPTY_RESOURCE, EMPTY_SCOPE, SpanKind, StatusCode } from './model.js';
export type { ExportResult } from './result.js';
export { EXPORT_OK, exportFailure, toTracelightError, TracelightError } from './result.js';
export { SERVICE_NAME, serviceNameOf } from './service.js';
export type { SpanBatch } from './span-batch.js';
export {
  concatSpanBatches,
  emptySpanBatch,
  filterSpans,
  parentSpanIdHex,
  spanAt,
  SpanBatchBuilder,
  spanBatchFromSpans,
  spanDurationNano,
  spanIdHex,
  spansOf,
  traceIdHex,
} from './span-batch.js';
export type { AssembledTrace, TraceNode } from './trace.js';
export { assembleTrace } from './trace.js';
export type { TraceRows } from './trace-rows.js';
export { traceRows } from './trace-rows.js';
export { millisToNanos, nanosToMicros, nanosToMillis, nowUnixNano, NANOS_PER_MICRO, NANOS_PER_MILLI, NANOS_PER_SECOND } from './time.js';
export type { OtelSamplingState } from './tracestate-threshold.js';
export {
  encodeThreshold,
  parseOtelSamplingState,
  parseThreshold,
  probabilityToThreshold,
  randomnessOf,
  samplingProbabilityOf,
  THRESHOLD_MAX,
  thresholdKeeps,
  thresholdToProbability,
  withThreshold,
} from './tracestate-threshold.js';
