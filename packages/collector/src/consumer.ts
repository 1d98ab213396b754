import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';
import { EXPORT_OK, toTracelightError } from '@tracelight/core';
import type { Component, Signal } from './component.js';

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

/** Where a component hands each signal on. A signal without a consumer is answered as not served. */
export interface Consumers {
  readonly traces?: TracesConsumer;
  readonly logs?: LogsConsumer;
}

/** A component that takes data in (an exporter, a processor, a connector's exporter side). */
export type ConsumingComponent = Component & Partial<TracesConsumer> & Partial<LogsConsumer>;

/** A consuming component as the consumers of the signals it implements. */
export function asConsumers(c: Partial<TracesConsumer> & Partial<LogsConsumer>): Consumers {
  return {
    traces: c.consumeTraces ? (c as TracesConsumer) : undefined,
    logs: c.consumeLogs ? (c as LogsConsumer) : undefined,
  };
}

/** The data type of each signal. */
export interface SignalBatch {
  readonly traces: SpanBatch;
  readonly logs: LogBatch;
}

/** Hands a batch of `signal` to `consumers`; never rejects. */
export async function consume<S extends Signal>(consumers: Consumers, signal: S, batch: SignalBatch[S]): Promise<ExportResult> {
  try {
    if (signal === 'traces') return await consumers.traces!.consumeTraces(batch as SpanBatch);
    return await consumers.logs!.consumeLogs(batch as LogBatch);
  } catch (err) {
    return { ok: false, retryable: false, error: toTracelightError(err) };
  }
}

/**
 * One consumer that hands every batch to all of `targets` and succeeds only when all of them did
 * (acknowledgement means every destination committed). A failure is retryable only when every
 * failure was: the client's retry then duplicates data at the destinations that succeeded, which
 * stores collapse by (trace id, span id).
 */
export function fanOut(targets: readonly Consumers[]): Consumers {
  if (targets.length === 1) return targets[0];
  const all = async <S extends Signal>(signal: S, batch: SignalBatch[S]): Promise<ExportResult> => {
    const results = await Promise.all(targets.map((t) => consume(t, signal, batch)));
    const failures = results.filter((r) => !r.ok);
    if (failures.length === 0) return EXPORT_OK;
    const permanent = failures.find((r) => !r.retryable);
    return permanent ?? failures[0];
  };
  return {
    traces: targets.every((t) => t.traces) ? { consumeTraces: (b) => all('traces', b) } : undefined,
    logs: targets.every((t) => t.logs) ? { consumeLogs: (b) => all('logs', b) } : undefined,
  };
}
