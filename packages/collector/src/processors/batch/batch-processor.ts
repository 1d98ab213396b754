import type { ExportResult, LogBatch, SpanBatch } from '@tracelight/core';
import { concatSpanBatches, exportFailure, logBatchFromRecords, logsOf, TracelightError } from '@tracelight/core';
import type { ComponentFactory, Signal } from '../../component.js';
import type { SignalBatch } from '../../consumer.js';
import { consume } from '../../consumer.js';
import { duration, num, object, parseConfig } from '../../internal/schema.js';
import { SIZE_BUCKETS } from '../../telemetry/metrics-registry.js';
import type { Processor, ProcessorDeps } from '../processor.js';

export interface BatchConfig {
  /** A batch is sent once it holds this many spans (log records). Default 8192. */
  readonly send_batch_size: number;
  /**
   * How long a batch may wait to fill up. Default 0: it is sent as soon as a send slot is free
   * (a group commit: while one send is in flight, arriving data gathers into the next batch). A
   * larger value trades latency for fewer, bigger writes; every request waits for its batch's
   * commit either way.
   */
  readonly timeout: number;
  /** Sends in flight at once. Default 2. */
  readonly max_in_flight_batches: number;
  /**
   * Items held (waiting or in flight) at most; past it requests are refused with a retryable
   * QUEUE_FULL (429 / RESOURCE_EXHAUSTED). Default 200,000.
   */
  readonly max_queue_size: number;
}

const schema = object<BatchConfig>(
  {
    send_batch_size: num({ min: 1, integer: true }),
    timeout: duration(),
    max_in_flight_batches: num({ min: 1, max: 64, integer: true }),
    max_queue_size: num({ min: 1, integer: true }),
  },
  { send_batch_size: 8192, timeout: 0, max_in_flight_batches: 2, max_queue_size: 200_000 },
);

function concatLogs(batches: readonly LogBatch[]): LogBatch {
  return batches.length === 1 ? batches[0] : logBatchFromRecords(batches.flatMap((b) => logsOf(b)));
}

interface Waiter {
  resolve(result: ExportResult): void;
}

/**
 * Groups the batches of many requests into bigger ones for the next stage, and answers each
 * request only with the result of the send that carried its data: acknowledgement still means
 * committed downstream, never "queued here".
 */
export const batchProcessorFactory: ComponentFactory<BatchConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'batch',
  signals: ['traces', 'logs'],
  defaultConfig: () => parseConfig(schema, {}, 'processors.batch'),
  validateConfig: (config, path = 'processors.batch') => parseConfig(schema, config, path),
  create(config, deps) {
    const sizes = deps.telemetry.histogram('otelcol_processor_batch_batch_send_size', 'Items in the batches the batch processor sent.', SIZE_BUCKETS);
    const lanes: Partial<Record<Signal, ReturnType<typeof lane>>> = {};
    let held = 0;
    let stopped = false;
    deps.telemetry.gaugeFunc('tracelight_processor_batch_queue_size', 'Items the batch processor holds (waiting or being sent).', () => [
      { labels: { processor: deps.id, pipeline: deps.pipeline }, value: held },
    ]);

    function lane<S extends Signal>(signal: S, join: (batches: SignalBatch[S][]) => SignalBatch[S]) {
      let pending: SignalBatch[S][] = [];
      let waiters: Waiter[] = [];
      let pendingItems = 0;
      let inFlight = 0;
      let timer: NodeJS.Timeout | undefined;
      let firstAt = 0;
      const sends = new Set<Promise<void>>();

      const send = () => {
        clearTimeout(timer);
        timer = undefined;
        const batches = pending;
        const ws = waiters;
        const items = pendingItems;
        pending = [];
        waiters = [];
        pendingItems = 0;
        inFlight++;
        sizes.observe(items, { processor: deps.id, pipeline: deps.pipeline });
        const p = consume(deps.next, signal, join(batches)).then((result) => {
          inFlight--;
          held -= items;
          for (const w of ws) w.resolve(result);
          sends.delete(p);
          maybeSend();
        });
        sends.add(p);
      };

      const maybeSend = () => {
        if (pendingItems === 0 || inFlight >= config.max_in_flight_batches) return;
        if (pendingItems >= config.send_batch_size || stopped || config.timeout === 0 || performance.now() - firstAt >= config.timeout) {
          send();
          return;
        }
        timer ??= setTimeout(() => {
          timer = undefined;
          if (pendingItems > 0 && inFlight < config.max_in_flight_batches) send();
          else if (pendingItems > 0) firstAt = -Infinity; // sent as soon as a slot frees
        }, config.timeout - (performance.now() - firstAt));
      };

      return {
        add(batch: SignalBatch[S]): Promise<ExportResult> {
          if (stopped) return Promise.resolve(exportFailure(new TracelightError('SHUTTING_DOWN', 'the collector is shutting down', { retryable: true })));
          if (held + batch.length > config.max_queue_size && held > 0) {
            return Promise.resolve(
              exportFailure(
                new TracelightError('QUEUE_FULL', `the batch processor holds ${held} items (max_queue_size ${config.max_queue_size}); retry later`, {
                  retryable: true,
                }),
              ),
            );
          }
          return new Promise<ExportResult>((resolve) => {
            if (pendingItems === 0) firstAt = performance.now();
            pending.push(batch);
            waiters.push({ resolve });
            pendingItems += batch.length;
            held += batch.length;
            maybeSend();
          });
        },
        async drain() {
          while (pendingItems > 0 || sends.size > 0) {
            maybeSend();
            await Promise.race([...sends]);
          }
        },
      };
    }

    const traces = (lanes.traces = lane('traces', concatSpanBatches));
    const logs = (lanes.logs = lane('logs', concatLogs));
    let shutdownPromise: Promise<void> | undefined;
    return {
      async start() {},
      shutdown() {
        shutdownPromise ??= (async () => {
          stopped = true;
          await Promise.all([traces.drain(), logs.drain()]);
        })();
        return shutdownPromise;
      },
      consumeTraces: (batch: SpanBatch) => (batch.length === 0 ? consume(deps.next, 'traces', batch) : traces.add(batch)),
      consumeLogs: (batch: LogBatch) => (batch.length === 0 ? consume(deps.next, 'logs', batch) : logs.add(batch)),
    };
  },
};
