import type { StoreWriter } from '@tracelight/store';
import type { Component } from './component.js';
import type { StoreExporter } from './exporters/store/store-exporter.js';
import { storeExporterFactory } from './exporters/store/store-exporter.js';
import type { OtlpGrpcReceiverConfig } from './receivers/otlp-grpc/otlp-grpc-receiver.js';
import { otlpGrpcReceiverFactory } from './receivers/otlp-grpc/otlp-grpc-receiver.js';
import type { OtlpHttpReceiverConfig } from './receivers/otlp-http/otlp-http-receiver.js';
import { otlpHttpReceiverFactory } from './receivers/otlp-http/otlp-http-receiver.js';
import type { Receiver } from './receivers/receiver.js';

export interface CollectorOptions {
  /** Where accepted data goes. Its lifecycle stays with the caller: start it before, shut it down after. */
  readonly store: StoreWriter;
  /**
   * Receiver configs by type, each merged over the factory's defaults. A receiver that is left
   * out runs with its defaults; `false` turns it off.
   */
  readonly receivers?: {
    readonly 'otlp-http'?: Partial<OtlpHttpReceiverConfig> | false;
    readonly 'otlp-grpc'?: Partial<OtlpGrpcReceiverConfig> | false;
  };
}

/** The pipeline as one component: receivers → store exporter. */
export interface Collector extends Component {
  readonly receivers: readonly Receiver[];
  /** The receiver of this type, if it is configured. */
  receiver(type: string): Receiver | undefined;
}

/**
 * Validates every component's config (throws ConfigError naming all problems, before anything
 * listens) and wires receivers to the store exporter. `start()` brings the exporter up first and
 * the receivers after; if one receiver cannot start, those already started are shut down again
 * and the error (e.g. ADDRESS_IN_USE) is passed on. `shutdown()` stops the receivers first,
 * letting in-flight requests finish, then the exporter.
 */
export function createCollector(options: CollectorOptions): Collector {
  const exporter: StoreExporter = storeExporterFactory.create(storeExporterFactory.validateConfig({}), { store: options.store });
  const next = { traces: exporter, logs: exporter };
  const receivers: Receiver[] = [];
  const http = options.receivers?.['otlp-http'];
  if (http !== false) receivers.push(otlpHttpReceiverFactory.create(otlpHttpReceiverFactory.validateConfig(http), { next }));
  const grpc = options.receivers?.['otlp-grpc'];
  if (grpc !== false) receivers.push(otlpGrpcReceiverFactory.create(otlpGrpcReceiverFactory.validateConfig(grpc), { next }));

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      await Promise.all(receivers.map((r) => r.shutdown()));
      await exporter.shutdown();
    })();
    return shutdownPromise;
  };

  return {
    receivers,
    receiver: (type) => receivers.find((r) => r.type === type),
    async start() {
      await exporter.start();
      const results = await Promise.allSettled(receivers.map((r) => r.start()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await shutdown();
        throw failed.reason;
      }
    },
    shutdown,
  };
}
