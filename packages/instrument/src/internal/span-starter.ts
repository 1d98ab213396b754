import type { Attributes, Context, Sampler, SamplingResult, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { isSpanContextValid, SamplingDecision, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { IdGenerator } from '@opentelemetry/sdk-trace';
import { TRACE_FLAG_RANDOM } from '../propagation/traceparent.js';

/**
 * Starts the spans the kit makes on every request (HTTP server spans) with the sampling decision
 * taken first: an unsampled span is a `NonRecordingSpan` made here, without the SDK tracer's work
 * for a span it will not record (attribute cleaning, links, self-metrics, a second context
 * lookup for the random flag). A recorded span still comes from the SDK tracer, with the ids and
 * the decision already taken: the provider's id generator and sampler are wrapped (`sampler`,
 * `idGenerator` below) to hand them over instead of drawing and deciding again, so a probabilistic
 * or rate-limiting sampler runs exactly once per span and decides on the span's real trace id.
 *
 * Flags and trace state are the SDK's, plus the W3C level-2 `random` flag as
 * `keepRandomTraceFlag` sets it: kept from a valid parent, set on a trace we start.
 */
export interface SpanStarter {
  /** Give these to the `TracerProvider` in place of the real ones. */
  readonly sampler: Sampler;
  readonly idGenerator: IdGenerator;
  /** Like `tracer.startSpan(name, { kind, attributes }, parent)`. */
  startSpan(tracer: Tracer, name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span;
}

interface Decided {
  traceId: string;
  /** Set when the trace id is new (no valid parent): the SDK asks the generator for it. */
  newTraceId: string | undefined;
  spanId: string | undefined;
  result: SamplingResult;
}

const NO_LINKS: [] = Object.freeze([]) as unknown as [];

export function createSpanStarter(options: { sampler: Sampler; idGenerator: IdGenerator }): SpanStarter {
  const { sampler: inner, idGenerator: ids } = options;
  // Only ever set during one synchronous tracer.startSpan call below.
  let decided: Decided | undefined;

  const sampler: Sampler = {
    shouldSample(context, traceId, spanName, spanKind, attributes, links) {
      const d = decided;
      if (d !== undefined && d.traceId === traceId) {
        decided = undefined;
        return d.result;
      }
      return inner.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    },
    toString: () => inner.toString(),
  };

  const idGenerator: IdGenerator = {
    generateTraceId() {
      const d = decided;
      if (d?.newTraceId !== undefined) {
        const id = d.newTraceId;
        d.newTraceId = undefined;
        return id;
      }
      return ids.generateTraceId();
    },
    generateSpanId() {
      const d = decided;
      if (d?.spanId !== undefined) {
        const id = d.spanId;
        d.spanId = undefined;
        return id;
      }
      return ids.generateSpanId();
    },
  };

  return {
    sampler,
    idGenerator,
    startSpan(tracer, name, kind, attributes, parent) {
      if (isTracingSuppressed(parent)) return tracer.startSpan(name, { kind, attributes }, parent);
      const parentContext = trace.getSpan(parent)?.spanContext();
      const validParent = parentContext !== undefined && isSpanContextValid(parentContext) ? parentContext : undefined;
      const traceId = validParent ? validParent.traceId : ids.generateTraceId();
      const spanId = ids.generateSpanId();
      const result = inner.shouldSample(parent, traceId, name, kind, attributes, NO_LINKS);
      if (result.decision === SamplingDecision.NOT_RECORD) {
        const random = validParent === undefined || (validParent.traceFlags & TRACE_FLAG_RANDOM) !== 0;
        return trace.wrapSpanContext({
          traceId,
          spanId,
          traceFlags: random ? TRACE_FLAG_RANDOM : 0,
          traceState: result.traceState ?? validParent?.traceState,
        });
      }
      decided = { traceId, newTraceId: validParent ? undefined : traceId, spanId, result };
      try {
        return tracer.startSpan(name, { kind, attributes }, parent);
      } finally {
        decided = undefined;
      }
    },
  };
}
