import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';
import { EXPORT_OK, exportFailure, toTracelightError, TracelightError } from '@tracelight/core';
import type { StoreWriter } from '@tracelight/store';
import type { Component, ComponentFactory } from '../../component.js';
import type { LogsConsumer, TracesConsumer } from '../../consumer.js';
import { resolveConfig } from '../../internal/config.js';

/** The store exporter has no settings yet; the store itself is configured by whoever owns it. */
export type StoreExporterConfig = Record<string, never>;

export interface StoreExporterDeps {
  /** The store's lifecycle belongs to the caller: the exporter neither starts nor shuts it down. */
  readonly store: StoreWriter;
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
  defaultConfig: () => ({}),
  validateConfig: (config) => resolveConfig<StoreExporterConfig>('store exporter', {}, config, {}),
  create: (_config, deps) => createStoreExporter(deps),
};

function createStoreExporter({ store }: StoreExporterDeps): StoreExporter {
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  let shutdownPromise: Promise<void> | undefined;

  const write = async (run: () => Promise<void>): Promise<ExportResult> => {
    if (stopped) return exportFailure(new TracelightError('SHUTTING_DOWN', 'the store exporter is shutting down', { retryable: true }));
    const p = run();
    inFlight.add(p);
    try {
      await p;
      return EXPORT_OK;
    } catch (err) {
      return exportFailure(toTracelightError(err, 'STORE_WRITE'));
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
    consumeTraces: (batch: SpanBatch) => write(() => store.writeSpans(batch)),
    consumeLogs: (batch: LogBatch) => write(() => store.writeLogs(batch)),
  };
}
