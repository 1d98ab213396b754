import type { Context, Sampler, SamplingResult } from '@opentelemetry/api';
import { ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { keepRandomTraceFlag } from '../propagation/random-flag.js';
import { createTraceContextPropagator } from '../propagation/trace-context-propagator.js';
import { createParentBasedSampler, createRatioSampler } from '../sampling/samplers.js';
import { createIdGenerator } from './id-generator.js';
import { createSpanStarter } from './span-starter.js';

// A real SDK provider set up as startTracing does it, with a sampler that counts its calls.
function setup(decide: (traceId: string) => SamplingResult) {
  const seen: string[] = [];
  const counting: Sampler = {
    shouldSample(_ctx: Context, traceId: string) {
      seen.push(traceId);
      return decide(traceId);
    },
    toString: () => 'counting',
  };
  const starter = createSpanStarter({ sampler: createParentBasedSampler({ root: counting }), idGenerator: createIdGenerator() });
  const exporter = new InMemorySpanExporter();
  const provider = keepRandomTraceFlag(
    new TracerProvider({ sampler: starter.sampler, idGenerator: starter.idGenerator, spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  const tracer = provider.getTracer('test');
  const start = (parent: Context = ROOT_CONTEXT) => starter.startSpan(tracer, 'GET', SpanKind.SERVER, { 'http.request.method': 'GET' }, parent);
  return { seen, exporter, tracer, start };
}

const propagator = createTraceContextPropagator();
function remoteParent(traceparent: string, tracestate?: string): Context {
  const headers: Record<string, string> = { traceparent, ...(tracestate ? { tracestate } : {}) };
  return propagator.extract(ROOT_CONTEXT, headers, { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) });
}
const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

describe('createSpanStarter', () => {
  it('makes an unsampled root span without the SDK: valid new ids, random flag, sampler asked once', () => {
    const t = setup(() => ({ decision: SamplingDecision.NOT_RECORD }));
    const span = t.start();
    expect(span.isRecording()).toBe(false);
    const sc = span.spanContext();
    expect(sc.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(sc.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(sc.traceFlags).toBe(0x02);
    expect(t.seen).toEqual([sc.traceId]);
    span.end();
    expect(t.exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('makes a sampled span through the SDK with the ids and decision it took (sampler asked once)', () => {
    const t = setup(() => ({ decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { 'sampler.said': 'yes' } }));
    const span = t.start();
    expect(span.isRecording()).toBe(true);
    span.end();
    const [done] = t.exporter.getFinishedSpans();
    expect(t.seen).toEqual([done.spanContext().traceId]);
    expect(done.spanContext().traceFlags).toBe(TraceFlags.SAMPLED | 0x02);
    expect(done.kind).toBe(SpanKind.SERVER);
    expect(done.attributes).toMatchObject({ 'http.request.method': 'GET', 'sampler.said': 'yes' });
  });

  it('decides a ratio sample on the trace id the span really gets', () => {
    const ratio = createRatioSampler(0.5);
    const t = setup((traceId) => ratio.shouldSample(ROOT_CONTEXT, traceId, 'GET', SpanKind.SERVER, {}, []));
    let recorded = 0;
    for (let i = 0; i < 200; i++) {
      const span = t.start();
      // The consistent sampler's rule, on the span's own trace id: keep when the last 14 digits >= 2^55.
      const keep = BigInt(`0x${span.spanContext().traceId.slice(18)}`) >= 2n ** 55n;
      expect(span.isRecording()).toBe(keep);
      if (keep) recorded++;
      span.end();
    }
    expect(t.seen).toHaveLength(200);
    expect(recorded).toBeGreaterThan(50);
    expect(recorded).toBeLessThan(150);
    expect(t.exporter.getFinishedSpans()).toHaveLength(recorded);
  });

  it('continues a sampled remote parent: its trace id, parent span id, tracestate and random bit', () => {
    const t = setup(() => ({ decision: SamplingDecision.NOT_RECORD }));
    const span = t.start(remoteParent(`00-${PARENT_TRACE}-${PARENT_SPAN}-01`, 'vendor=x'));
    span.end();
    const [done] = t.exporter.getFinishedSpans();
    expect(done.spanContext().traceId).toBe(PARENT_TRACE);
    expect(done.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(done.spanContext().traceState?.serialize()).toBe('vendor=x');
    // The parent did not claim a random trace id, so neither does the child.
    expect(done.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(t.seen).toEqual([]); // parent-based: the root sampler is not asked
  });

  it('follows an unsampled remote parent without recording, keeping its random bit and tracestate', () => {
    const t = setup(() => ({ decision: SamplingDecision.RECORD_AND_SAMPLED }));
    const span = t.start(remoteParent(`00-${PARENT_TRACE}-${PARENT_SPAN}-02`, 'vendor=y'));
    expect(span.isRecording()).toBe(false);
    const sc = span.spanContext();
    expect(sc.traceId).toBe(PARENT_TRACE);
    expect(sc.spanId).not.toBe(PARENT_SPAN);
    expect(sc.traceFlags).toBe(0x02);
    expect(sc.traceState?.serialize()).toBe('vendor=y');
  });

  it('leaves spans started on the tracer directly to the SDK, which still asks the real sampler', () => {
    const t = setup(() => ({ decision: SamplingDecision.RECORD_AND_SAMPLED }));
    const span = t.tracer.startSpan('direct');
    expect(t.seen).toEqual([span.spanContext().traceId]);
    expect(span.isRecording()).toBe(true);
  });

  it('gives an invalid span under suppressed tracing, like the SDK', () => {
    const t = setup(() => ({ decision: SamplingDecision.RECORD_AND_SAMPLED }));
    const span = t.start(suppressTracing(ROOT_CONTEXT));
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    expect(t.seen).toEqual([]);
  });
});
