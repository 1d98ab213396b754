// A paused store: clients of the real OTel HTTP exporter get retryable refusals (429 with
// Retry-After from the bounded batch queue), retry, and after the store resumes exactly the
// spans whose export was acknowledged are stored — nothing acknowledged is lost, nothing
// unacknowledged sneaks in.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createCollector } from '@tracelight/collector';
import type { SpanBatch } from '@tracelight/core';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterAll, describe, expect, it } from 'vitest';

/** The memory store, with a switch that holds every write until released (the test's control). */
function pausableStore(): { store: Store; pause(): void; resume(): void; held(): number } {
  const base = createMemoryStore();
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  let held = 0;
  const store = Object.assign(Object.create(base) as Store, {
    async writeSpans(batch: SpanBatch) {
      while (gate) {
        held++;
        await gate;
        held--;
      }
      return base.writeSpans(batch);
    },
  });
  return {
    store,
    pause: () => (gate ??= new Promise<void>((r) => (open = r))),
    resume: () => {
      gate = undefined;
      open();
    },
    held: () => held,
  };
}

const collector = { current: undefined as ReturnType<typeof createCollector> | undefined };
afterAll(async () => {
  await collector.current?.shutdown();
});

function spansOfRun(n: number, run: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': `bp-${run}` }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('bp');
  for (let i = 0; i < n; i++) tracer.startSpan(`op ${i}`).end();
  return memory.getFinishedSpans();
}

describe('back-pressure with a paused store', () => {
  it('clients get retryable errors, retry, and exactly the acknowledged spans are stored', async () => {
    const paused = pausableStore();
    const c = createCollector({
      store: paused.store,
      config: {
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        processors: { memory_limiter: {}, batch: { max_in_flight_batches: 1, max_queue_size: 40 } },
        exporters: { store: {} },
        service: {
          pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['store'] } },
          telemetry: { metrics: { address: '127.0.0.1:0' } },
        },
      },
    });
    collector.current = c;
    await c.start();
    const port = c.listeners().find((l) => l.name === 'OTLP/HTTP')!.port;

    paused.pause();
    // 12 exporters, each sending one request of 10 spans: the store holds the first batch, the
    // batch queue (40 spans) fills, the rest are refused with 429 + Retry-After: 1 and retried.
    const exports = Array.from({ length: 12 }, (_, k) => {
      const spans = spansOfRun(10, String(k));
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, timeoutMillis: 15_000 });
      const done = new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      return { spans, done, exporter };
    });
    await new Promise((r) => setTimeout(r, 1500));
    const otlp = c.receivers.get('otlp')!;
    expect(otlp.counters.requests.refused).toBeGreaterThan(0); // retryable refusals happened...
    expect(otlp.counters.spans.accepted).toBe(0); // ...and nothing was acknowledged while paused
    expect(paused.held()).toBeGreaterThan(0);
    paused.resume();

    const results = await Promise.all(exports.map((e) => e.done));
    await Promise.all(exports.map((e) => e.exporter.shutdown()));
    const acked = exports.filter((_, i) => results[i].code === ExportResultCode.SUCCESS).flatMap((e) => e.spans.map((s) => s.spanContext().spanId));
    expect(acked.length).toBeGreaterThan(0);
    const stored = await paused.store.findTraceIds({ limit: 10_000 });
    const traces = await paused.store.getTraces(stored.map((r) => r.traceId));
    const storedIds = traces.flatMap((t) => t.spans.map((s) => s.spanId)).sort();
    expect(storedIds).toEqual([...acked].sort());
    expect(otlp.counters.spans.accepted).toBe(acked.length);
    // With retries every client got through in the end.
    expect(results.every((r) => r.code === ExportResultCode.SUCCESS)).toBe(true);
    expect(c.telemetry.render()).toMatch(/tracelight_receiver_requests_total\{receiver="otlp",outcome="refused"\} [1-9]/);
  }, 60_000);
});
