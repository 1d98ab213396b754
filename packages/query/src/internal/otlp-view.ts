import type { Span } from '@tracelight/core';
import { spanBatchFromSpans } from '@tracelight/core';
import { traceBatchToOtlpJson } from '@tracelight/otlp';
import type { OtlpTracesJson } from '../api-types.js';

/** The span attribute that carries clock-skew notes in OTLP answers (Jaeger v2 uses `@jaeger@warnings`). */
export const WARNINGS_ATTRIBUTE = 'tracelight.warnings';

/** The spans of one trace with their notes added as the string-array attribute `tracelight.warnings`. */
export function annotatedSpans(view: { readonly spans: readonly Span[]; readonly warnings: ReadonlyMap<string, readonly string[]> }): Span[] {
  if (view.warnings.size === 0) return view.spans.slice();
  return view.spans.map((span) => {
    const notes = view.warnings.get(span.spanId);
    return notes ? { ...span, attributes: [...span.attributes, { key: WARNINGS_ATTRIBUTE, value: [...notes] }] } : span;
  });
}

/** Spans as an OTLP/JSON ExportTraceServiceRequest, grouped by resource then scope. */
export function otlpJsonOf(spans: readonly Span[]): OtlpTracesJson {
  return traceBatchToOtlpJson(spanBatchFromSpans(spans));
}
