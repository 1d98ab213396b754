import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { StartTracingOptions, Tracing } from './start-tracing.js';
import { startTracing } from './start-tracing.js';

/**
 * A test double that ships with the kit: `startTracing` with every finished span kept in memory
 * (the SDK's real `InMemorySpanExporter` behind a `SimpleSpanProcessor`) and nothing exported.
 */
export interface TestTracing {
  readonly tracing: Tracing;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans so far, in end order. */
  spans(): ReadableSpan[];
  /** Waits until `predicate` holds for the finished spans (polling), or rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: ReadableSpan[]) => boolean, timeoutMs?: number): Promise<ReadableSpan[]>;
  reset(): void;
  shutdown(): Promise<void>;
}

export function startTestTracing(options: StartTracingOptions = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: 'test-service',
    exporter: false,
    shutdownSignals: false,
    ...options,
    spanProcessors: [new SimpleSpanProcessor({ exporter }), ...(options.spanProcessors ?? [])],
  });
  return {
    tracing,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    async waitForSpans(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = exporter.getFinishedSpans();
        if (predicate(spans)) return spans;
        if (Date.now() > deadline) {
          const names = spans.map((s) => s.name).join(', ');
          throw new Error(`timed out waiting for spans; have ${spans.length}: ${names}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    reset: () => exporter.reset(),
    shutdown: () => tracing.shutdown(),
  };
}
