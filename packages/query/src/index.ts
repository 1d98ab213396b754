export type {
  ApiErrorBody,
  JaegerDependencyLink,
  JaegerEnvelope,
  JaegerError,
  JaegerKeyValue,
  JaegerLog,
  JaegerOperation,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTrace,
  JaegerValueType,
  Metric,
  MetricFamily,
  MetricPoint,
  OtlpTracesJson,
  SamplingStrategyResponse,
  SearchOrder,
  SearchRequest,
  SearchResponse,
  SearchSort,
  TraceSummariesResponse,
  TraceSummaryJson,
  TraceView,
  UploadResponse,
} from './api-types.js';
export type { FetchServer, FetchServerOptions } from './fetch-server.js';
export { createFetchServer } from './fetch-server.js';
export { QueryErrorCode } from './internal/http.js';
export { WARNINGS_ATTRIBUTE } from './internal/otlp-view.js';
export type { FetchHandler, QueryHandler, QueryHandlerOptions, QueryHandlerStats } from './query-handler.js';
export { createQueryHandler, DEFAULT_SAMPLING_STRATEGY } from './query-handler.js';
export type { StaticHandlerOptions } from './static-handler.js';
export { createStaticHandler } from './static-handler.js';
