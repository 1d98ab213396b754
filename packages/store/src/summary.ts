import type { Span } from '@tracelight/core';
import { serviceNameOf, StatusCode } from '@tracelight/core';
import type { ServiceSpanCount, TraceSummary } from './contract.js';

/** The few fields of a span a summary needs, so stores can summarise without full spans. */
export interface SummarySpan {
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly serviceName: string;
  readonly name: string;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly statusCode: number;
}

export function summarySpanOf(span: Span): SummarySpan {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    serviceName: serviceNameOf(span.resource),
    name: span.name,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    statusCode: span.status.code,
  };
}

/**
 * A trace's summary (see TraceSummary for the rules). Spans repeated with the same span id count
 * once. Undefined for no spans.
 */
export function summarizeTrace(traceId: string, spans: Iterable<SummarySpan>): TraceSummary | undefined {
  const seen = new Set<string>();
  const services = new Map<string, { spanCount: number; errorCount: number }>();
  let root: SummarySpan | undefined;
  let earliest: SummarySpan | undefined;
  let start = 0n;
  let end = 0n;
  let errorCount = 0;
  for (const span of spans) {
    if (seen.has(span.spanId)) continue;
    seen.add(span.spanId);
    const isError = span.statusCode === StatusCode.ERROR;
    if (isError) errorCount++;
    let s = services.get(span.serviceName);
    if (!s) services.set(span.serviceName, (s = { spanCount: 0, errorCount: 0 }));
    s.spanCount++;
    if (isError) s.errorCount++;
    if (!earliest || earlier(span, earliest)) earliest = span;
    if (span.parentSpanId === '' && (!root || earlier(span, root))) root = span;
    if (seen.size === 1 || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (seen.size === 1 || span.endTimeUnixNano > end) end = span.endTimeUnixNano;
  }
  const top = root ?? earliest;
  if (!top) return undefined;
  const serviceCounts: ServiceSpanCount[] = [...services]
    .map(([serviceName, c]) => ({ serviceName, spanCount: c.spanCount, errorCount: c.errorCount }))
    .sort((a, b) => (a.serviceName < b.serviceName ? -1 : a.serviceName > b.serviceName ? 1 : 0));
  return {
    traceId,
    rootServiceName: top.serviceName,
    rootSpanName: top.name,
    startTimeUnixNano: start,
    durationNano: end > start ? end - start : 0n,
    spanCount: seen.size,
    errorCount,
    services: serviceCounts,
  };
}

/** Earlier start; ties broken by span id so every store picks the same root. */
function earlier(a: SummarySpan, b: SummarySpan): boolean {
  return a.startTimeUnixNano < b.startTimeUnixNano || (a.startTimeUnixNano === b.startTimeUnixNano && a.spanId < b.spanId);
}
