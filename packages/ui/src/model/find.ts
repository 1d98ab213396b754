import type { Attributes, Span } from '@tracelight/core';
import { anyValueToString, serviceNameOf } from '@tracelight/core';

function attributesMatch(attributes: Attributes, needle: string): boolean {
  for (const kv of attributes) {
    if (kv.key.toLowerCase().includes(needle)) return true;
    if (anyValueToString(kv.value).toLowerCase().includes(needle)) return true;
  }
  return false;
}

/**
 * Whether a span matches a find-in-trace text: every whitespace-separated term must be found
 * (case-insensitively) in the span name, service, span id, status message, an attribute key or
 * value (span, resource, scope or event), or an event name. `key=value` terms match an attribute
 * with that key whose text holds the value.
 */
export function spanMatchesText(span: Span, text: string): boolean {
  const terms = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return false;
  return terms.every((term) => {
    const eq = term.indexOf('=');
    if (eq > 0) {
      const key = term.slice(0, eq);
      const value = term.slice(eq + 1);
      const scopes = [span.attributes, span.resource.attributes, span.scope.attributes, ...span.events.map((e) => e.attributes)];
      return scopes.some((attrs) => attrs.some((kv) => kv.key.toLowerCase() === key && anyValueToString(kv.value).toLowerCase().includes(value)));
    }
    if (span.name.toLowerCase().includes(term)) return true;
    if (serviceNameOf(span.resource).toLowerCase().includes(term)) return true;
    if (span.spanId === term || span.status.message.toLowerCase().includes(term)) return true;
    if (attributesMatch(span.attributes, term) || attributesMatch(span.resource.attributes, term) || attributesMatch(span.scope.attributes, term)) return true;
    for (const event of span.events) if (event.name.toLowerCase().includes(term) || attributesMatch(event.attributes, term)) return true;
    return false;
  });
}

/** Rows (in order) of the spans that match (a row without its span never matches). */
export function findRows(spansByRow: readonly (Span | undefined)[], text: string): Uint32Array {
  const hits: number[] = [];
  for (let r = 0; r < spansByRow.length; r++) {
    const span = spansByRow[r];
    if (span && spanMatchesText(span, text)) hits.push(r);
  }
  return Uint32Array.from(hits);
}
