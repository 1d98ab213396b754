import type { Context, Span, SpanOptions, Tracer, TracerProvider } from '@opentelemetry/api';
import { context as contextApi, INVALID_TRACEID, trace } from '@opentelemetry/api';
import { TRACE_FLAG_RANDOM } from './traceparent.js';

const kPatched = Symbol.for('tracelight.random-flag');

/**
 * Keeps the W3C level-2 `random` trace flag on spans. The SDK builds every span's flags from
 * the sampling decision alone, so the bit a caller sent (or the fact that we generated the trace
 * id randomly ourselves) is lost; this wraps each tracer's `startSpan` and sets the bit on the
 * new span context: inherited from a valid parent, set for a new trace (the SDK's ids are random).
 * Span contexts are plain objects in the SDK, so the change is visible to propagators and
 * exporters (OTLP flags carry the W3C flags in their low byte).
 */
export function keepRandomTraceFlag<P extends TracerProvider>(provider: P): P {
  const getTracer = provider.getTracer.bind(provider);
  provider.getTracer = (name: string, version?: string, options?: Parameters<P['getTracer']>[2]): Tracer => {
    const tracer = getTracer(name, version, options);
    if ((tracer as { [kPatched]?: boolean })[kPatched]) return tracer;
    const startSpan = tracer.startSpan.bind(tracer);
    tracer.startSpan = (spanName: string, opts?: SpanOptions, ctx?: Context): Span => {
      const span = startSpan(spanName, opts, ctx);
      const sc = span.spanContext();
      // Invalid: the shared INVALID_SPAN_CONTEXT of a suppressed span, never to be touched.
      if ((sc.traceFlags & TRACE_FLAG_RANDOM) === 0 && sc.traceId !== INVALID_TRACEID) {
        const parent = opts?.root ? undefined : trace.getSpanContext(ctx ?? contextApi.active());
        // The SDK keeps the trace id of a valid parent and draws a new one otherwise: a continued
        // trace keeps the parent's bit, a trace we started is random.
        if (parent === undefined || parent.traceId !== sc.traceId || (parent.traceFlags & TRACE_FLAG_RANDOM) !== 0) {
          sc.traceFlags |= TRACE_FLAG_RANDOM;
        }
      }
      return span;
    };
    Object.defineProperty(tracer, kPatched, { value: true });
    return tracer;
  };
  return provider;
}
