import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import { parseTracestate } from './tracestate.js';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/**
 * A W3C Trace Context propagator (levels 1 and 2) for the OpenTelemetry API: strict
 * `traceparent` parsing, the level-2 random flag kept, and an invalid `tracestate` discarded
 * whole instead of repaired member by member. Drop-in replacement for
 * `W3CTraceContextPropagator` from `@opentelemetry/core`.
 */
export function createTraceContextPropagator(): TextMapPropagator {
  return {
    inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
      const sc = trace.getSpanContext(context);
      if (!sc || isTracingSuppressed(context) || !isSpanContextValid(sc)) return;
      setter.set(carrier, TRACEPARENT_HEADER, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
      if (sc.traceState) {
        const state = sc.traceState.serialize();
        if (state.length > 0) setter.set(carrier, TRACESTATE_HEADER, state);
      }
    },

    extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
      const header = getter.get(carrier, TRACEPARENT_HEADER);
      if (header === undefined) return context;
      // Two traceparent headers are invalid: the trace restarts (spec).
      if (Array.isArray(header) && header.length !== 1) return context;
      const value = Array.isArray(header) ? header[0] : header;
      if (typeof value !== 'string') return context;
      const parent = parseTraceparent(value);
      if (!parent) return context;
      const traceState = parseTracestate(getter.get(carrier, TRACESTATE_HEADER));
      return trace.setSpanContext(context, {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: parent.traceFlags,
        isRemote: true,
        ...(traceState ? { traceState } : {}),
      });
    },

    fields(): string[] {
      return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
    },
  };
}
