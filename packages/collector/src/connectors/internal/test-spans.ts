// Span builders for the connector and sampling tests.
import type { Attributes, InstrumentationScope, Resource, Span, SpanKind, StatusCode } from '@tracelight/core';

const resources = new Map<string, Resource>();
const SCOPE: InstrumentationScope = { name: 'test', version: '1', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };

/** One shared Resource object per service name (so a batch stores it once). */
export function resourceOf(service: string): Resource {
  let r = resources.get(service);
  if (!r) resources.set(service, (r = { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' }));
  return r;
}

let counter = 0;

/** A fresh id of `bytes` bytes as hex (deterministic sequence, never zero). */
export function nextId(bytes: number): string {
  counter++;
  return (counter.toString(16).padStart(8, '0') + 'a1b2c3d4e5f60718293a4b5c6d7e8f90').slice(0, bytes * 2);
}

export interface SpanSpec {
  readonly service: string;
  readonly name: string;
  readonly kind?: SpanKind;
  readonly status?: StatusCode;
  readonly durationMs?: number;
  /** Default: now minus the duration. */
  readonly startMs?: number;
  readonly traceState?: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly attributes?: Attributes;
}

export function makeSpan(spec: SpanSpec): Span {
  const durationMs = spec.durationMs ?? 10;
  const startMs = spec.startMs ?? Date.now() - durationMs;
  const start = BigInt(Math.round(startMs * 1000)) * 1000n;
  return {
    traceId: spec.traceId ?? nextId(16),
    spanId: spec.spanId ?? nextId(8),
    parentSpanId: spec.parentSpanId ?? '',
    traceState: spec.traceState ?? '',
    flags: 1,
    name: spec.name,
    kind: spec.kind ?? 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(durationMs * 1e6)),
    attributes: spec.attributes ?? [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: spec.status ?? 0, message: '' },
    resource: resourceOf(spec.service),
    scope: SCOPE,
  };
}

/** Parses Prometheus text into `name{labels}` → value (labels as written, sorted not). */
export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The value of the sample of `name` whose labels include all of `labels` (summed when several match). */
export function sampleValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let total: number | undefined;
  for (const [series, value] of parsePrometheusText(text)) {
    const brace = series.indexOf('{');
    const n = brace < 0 ? series : series.slice(0, brace);
    if (n !== name) continue;
    const body = brace < 0 ? '' : series.slice(brace + 1, -1);
    if (Object.entries(labels).every(([k, v]) => `,${body},`.includes(`,${k}="${v}",`))) total = (total ?? 0) + value;
  }
  return total;
}
