import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';

/**
 * The next stage for spans. Resolves once the batch is taken care of (committed to the store, for
 * the store exporter); a refusal is a value, never a rejection.
 */
export interface TracesConsumer {
  consumeTraces(batch: SpanBatch): Promise<ExportResult>;
}

/** The next stage for log records; see TracesConsumer. */
export interface LogsConsumer {
  consumeLogs(batch: LogBatch): Promise<ExportResult>;
}

/** Where a receiver hands each signal on. A signal without a consumer is answered as not served. */
export interface Consumers {
  readonly traces?: TracesConsumer;
  readonly logs?: LogsConsumer;
}
