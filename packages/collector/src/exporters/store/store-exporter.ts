import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';
import { EXPORT_OK, exportFailure, toTracelightError, TracelightError } from '@tracelight/core';
import type { StoreWriter } from '@tracelight/store';
import type { Component, ComponentFactory } from '../../component.js';
import type { LogsConsumer, TracesConsumer } from '../../consumer.js';
import { resolveConfig } from '../../internal/config.js';
import type { MetricsRegistry } from '../../telemetry/metrics-registry.js';
import { LATENCY_BUCKETS_SECONDS } from '../../telemetry/metrics-registry.js';

/** The store exporter has no settings yet; the store itself is configured by whoever owns it. */
export type StoreExporterConfig = Record<string, never>;

export interface StoreExporterDeps {
  /** The store's lifecycle belongs to the caller: the exporter neither starts nor shuts it down. */
  readonly store: StoreWriter;
  /** `store` unless named; labels its self-metrics. */
  readonly id?: string;
  /** Where write latency and sent/failed counts go (left out: not measured). */
  readonly telemetry?: MetricsRegistry;
}

export interface StoreExporter extends Component, TracesConsumer, LogsConsumer {}

/**
 * Writes batches to a store and answers only once the store's write promise resolved
 * ("acknowledgement means durable"). A store error becomes a refusal value: retryable when the
 * store says so (the receiver answers 503 / UNAVAILABLE), otherwise permanent (500 / INTERNAL).
 */
export const storeExporterFactory: ComponentFactory<StoreExporterConfig, StoreExporterDeps, StoreExporter> = {
  kind: 'exporter',
  type: 'store',
  signals: ['traces', 'logs'],
  defaultConfig: () => ({}),
  validateConfig: (config, path = 'exporters.store') => resolveConfig<StoreExporterConfig>(path, {}, config, {}),
  create: (_config, deps) => createStoreExporter(deps),
};

function createStoreExporter({ store, id = 'store', telemetry }: StoreExporterDeps): StoreExporter {
  let stopped = false;
  const latency = telemetry?.histogram('tracelight_store_write_duration_seconds', 'Time from handing a batch to the store to its commit.', LATENCY_BUCKETS_SECONDS);
  const sent = telemetry?.counter('otelcol_exporter_sent_spans_total', 'Spans an exporter delivered (committed, for the store).');
  const failed = telemetry?.counter('otelcol_exporter_send_failed_spans_total', 'Spans an exporter could not deliver.');
  const sentLogs = telemetry?.counter('otelcol_exporter_sent_log_records_total', 'Log records an exporter delivered.');
  const failedLogs = telemetry?.counter('otelcol_exporter_send_failed_log_records_total', 'Log records an exporter could not deliver.');
  const inFlight = new Set<Promise<unknown>>();
  let shutdownPromise: Promise<void> | undefined;

  const write = async (signal: 'traces' | 'logs', items: number, run: () => Promise<void>): Promise<ExportResult> => {
    if (stopped) return exportFailure(new TracelightError('SHUTTING_DOWN', 'the store exporter is shutting down', { retryable: true }));
    const t0 = performance.now();
    const p = run();
    inFlight.add(p);
    try {
      await p;
      latency?.observe((performance.now() - t0) / 1000, { exporter: id, signal });
      (signal === 'traces' ? sent : sentLogs)?.add(items, { exporter: id });
      return EXPORT_OK;
    } catch (err) {
      const error = toTracelightError(err, 'STORE_WRITE');
      (signal === 'traces' ? failed : failedLogs)?.add(items, { exporter: id, reason: error.code });
      return exportFailure(error);
    } finally {
      inFlight.delete(p);
    }
  };

  return {
    async start() {},
    shutdown() {
      shutdownPromise ??= (async () => {
        stopped = true;
        await Promise.allSettled([...inFlight]);
      })();
      return shutdownPromise;
    },
    consumeTraces: (batch: SpanBatch) => write('traces', batch.length, () => store.writeSpans(batch)),
    consumeLogs: (batch: LogBatch) => write('logs', batch.length, () => store.writeLogs(batch)),
  };
}
