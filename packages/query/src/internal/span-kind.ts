import { SpanKind } from '@tracelight/core';

const NAMES: readonly string[] = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Jaeger's lower-case kind names ('server', ...); '' for SPAN_KIND_UNSPECIFIED. */
export function kindName(kind: number): string {
  return NAMES[kind] ?? '';
}

/**
 * A span kind from its Jaeger name ('server'), OTLP enum name ('SPAN_KIND_SERVER') or
 * 'unspecified', in any case. Undefined when unknown.
 */
export function parseKind(text: string): SpanKind | undefined {
  let t = text.toLowerCase();
  if (t.startsWith('span_kind_')) t = t.slice('span_kind_'.length);
  if (t === 'unspecified') return SpanKind.UNSPECIFIED;
  const i = NAMES.indexOf(t);
  return i > 0 ? (i as SpanKind) : undefined;
}
