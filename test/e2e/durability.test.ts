// "Acknowledgement means durable" through the real CLI: the real OTel JS exporter sends batches to
// `tracelight start` (DuckDB, the default store), the process is killed with SIGKILL while exports
// are in flight, and after a restart on the same data folder every span whose export was
// acknowledged is readable by its trace id.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchTrace } from './helpers/debug-api.js';
import { startTracelight, stopAllTracelights } from './helpers/tracelight.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tracelight-durability-'));

afterAll(async () => {
  await stopAllTracelights();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `traces` traces of `spansPerTrace` spans each, recorded in memory by the real SDK. */
async function recordTraces(batch: number, traces: number, spansPerTrace: number): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'durability', 'batch.number': batch }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('durability-test');
  for (let t = 0; t < traces; t++) {
    tracer.startActiveSpan(`request ${batch}/${t}`, { kind: SpanKind.SERVER }, (root) => {
      for (let s = 1; s < spansPerTrace; s++) {
        tracer.startSpan(`step ${s}`, { attributes: { 'step.index': s, 'payload.text': 'x'.repeat(200) } }).end();
      }
      root.end();
    });
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

describe('SIGKILL while the OTel exporter sends', () => {
  it('loses no span whose export was acknowledged', async () => {
    const first = await startTracelight(['--data-dir', dataDir]);
    const exporter = new OTLPTraceExporter({ url: `${first.otlpHttpUrl}/v1/traces`, timeoutMillis: 5_000 });
    const acknowledged: ReadableSpan[] = [];
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    let killed = false;
    // Several exports in flight at once; the kill lands while some of them are not answered yet.
    for (let batch = 0; !killed && batch < 400; batch++) {
      const spans = await recordTraces(batch, 10, 10);
      sent += spans.length;
      const p = new Promise<ExportResult>((resolve) => exporter.export(spans, resolve)).then((result) => {
        if (result.code === ExportResultCode.SUCCESS) acknowledged.push(...spans);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 4) await Promise.race(inFlight);
      if (acknowledged.length >= 2_000 && !killed) {
        killed = true;
        expect(await first.stop('SIGKILL')).toBeNull();
      }
    }
    expect(killed).toBe(true);
    await Promise.allSettled(inFlight);
    await exporter.shutdown();
    expect(acknowledged.length).toBeGreaterThanOrEqual(2_000);
    expect(sent).toBeGreaterThan(acknowledged.length);

    const second = await startTracelight(['--data-dir', dataDir]);
    const byTrace = new Map<string, Set<string>>();
    for (const span of acknowledged) {
      const { traceId, spanId } = span.spanContext();
      if (!byTrace.has(traceId)) byTrace.set(traceId, new Set());
      byTrace.get(traceId)!.add(spanId);
    }
    const missing: string[] = [];
    for (const [traceId, spanIds] of byTrace) {
      const stored = new Set((await fetchTrace(second.apiUrl, traceId)).map((s) => s.spanId));
      for (const id of spanIds) if (!stored.has(id)) missing.push(`${traceId}/${id}`);
    }
    expect(missing).toEqual([]);
    expect(await second.stop()).toBe(0);
  }, 120_000);
});
