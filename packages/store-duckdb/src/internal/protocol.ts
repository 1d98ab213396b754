import type { StoreStats } from '@tracelight/store';
import type { LogWire, SpanWire } from './wire.js';

/** The DuckDB store's stats: the contract's plus its writer's counters (for self-metrics). */
export interface DuckDBStoreStats extends StoreStats {
  readonly groupCommits: number;
  /** Retried spans recognised on write and not stored again. */
  readonly duplicatesSkipped: number;
  /** Time the writer spent building and appending rows, and waiting for commits, in ms. */
  readonly appendMs: number;
  readonly commitMs: number;
  /** CPU time of the writer worker's own thread (not DuckDB's threads), in ms. */
  readonly workerCpuMs: number;
  /** Minutes of child start time whose dependency counts are kept (see dependencies.ts). */
  readonly dependencyMinutes: number;
}

/** Settings the main thread hands the worker (defaults already applied). */
export interface WorkerConfig {
  readonly path: string;
  readonly memoryLimitBytes: number;
  readonly threads: number;
  readonly maxGroupSpans: number;
  readonly dedupWindowSpans: number;
  /** 0 = no age limit. */
  readonly maxAgeNano: bigint;
  /** 0 = no size limit. */
  readonly maxBytes: number;
  readonly retentionIntervalMs: number;
  readonly checkpointThresholdBytes: number;
}

/** Reader methods the worker answers, plus the store's own. */
export type CallMethod =
  | 'getServices'
  | 'getOperations'
  | 'getTraces'
  | 'findTraceIds'
  | 'getTraceSummaries'
  | 'getDependencies'
  | 'getMetrics'
  | 'findLogs'
  | 'applyRetention'
  | 'stats';

export type Request =
  | { readonly type: 'spans'; readonly id: number; readonly wire: SpanWire }
  | { readonly type: 'logs'; readonly id: number; readonly wire: LogWire }
  | { readonly type: 'call'; readonly id: number; readonly method: CallMethod; readonly args: readonly unknown[] }
  | { readonly type: 'shutdown'; readonly id: number };

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export type Response =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly error: WireError }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError };
