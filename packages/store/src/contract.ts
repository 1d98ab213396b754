import type { LogBatch, LogRecord, Span, SpanBatch } from '@tracelight/core';

/** What a store can do; callers check it instead of catching "unsupported". */
export interface StoreCapabilities {
  /** Writes resolve only once the data survives a crash of this process. */
  readonly durable: boolean;
  readonly logs: boolean;
}

/** The write side. Each promise resolves once the batch is committed (durable when `capabilities.durable`). */
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

export interface LogQuery {
  readonly traceId?: string;
  readonly spanId?: string;
  readonly limit?: number;
}

/** The read side. Unknown ids are not errors: they are left out of the result. */
export interface StoreReader {
  getServices(): Promise<string[]>;
  /** Traces for the given hex ids (several at once), each at most once. */
  getTraces(traceIds: readonly string[], options?: GetTracesOptions): Promise<Trace[]>;
  findLogs(query: LogQuery): Promise<LogRecord[]>;
}

export interface Store extends StoreWriter, StoreReader {
  readonly capabilities: StoreCapabilities;
  start(): Promise<void>;
  /** Idempotent. Pending writes are committed first. */
  shutdown(): Promise<void>;
}
