import type { Condition, Expr } from '../search/expr.js';
import { parseKind } from '../span-kind.js';
import { badRequest } from '../http.js';

/**
 * A Jaeger tag filter as a span condition. Tags that Jaeger derives from OTLP fields (see
 * to-jaeger.ts) are mapped back to those fields, so `error=true`, `span.kind=server` or
 * `otel.status_code=ERROR` find what Jaeger would show with that tag; any other key is an
 * attribute in any scope (span, resource or event), compared by its text form.
 */
export function tagCondition(key: string, value: string): Expr {
  const intrinsic = (name: 'status' | 'kind' | 'statusMessage' | 'scope', v: string): Condition => ({
    op: 'compare',
    field: { type: 'intrinsic', name },
    cmp: '=',
    value: { type: 'string', value: v },
  });
  switch (key) {
    case 'error':
      if (value === 'true') return intrinsic('status', 'error');
      if (value === 'false') return { op: 'not', arg: intrinsic('status', 'error') };
      break;
    case 'span.kind': {
      const kind = parseKind(value);
      if (kind !== undefined && kind !== 0) return intrinsic('kind', value.toLowerCase());
      break;
    }
    case 'otel.status_code':
      if (['OK', 'ERROR', 'UNSET'].includes(value)) return intrinsic('status', value.toLowerCase());
      break;
    case 'otel.status_description':
      return intrinsic('statusMessage', value);
    case 'otel.scope.name':
    case 'otel.library.name':
      return intrinsic('scope', value);
  }
  return { op: 'compare', field: { type: 'attr', scope: 'any', key }, cmp: '=', value: { type: 'string', value } };
}

/** Jaeger's `tag=key:value` (repeated) and `tags={"key":"value"}` (Grafana sends this) parameters. */
export function parseTagParams(tag: readonly string[], tags: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const t of tag) {
    const colon = t.indexOf(':');
    if (colon < 0) throw badRequest(`malformed 'tag' parameter, expecting key:value, received: ${t}`);
    out.push([t.slice(0, colon), t.slice(colon + 1)]);
  }
  for (const text of tags) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw badRequest(`malformed 'tags' parameter, cannot unmarshal JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw badRequest("malformed 'tags' parameter: expecting a JSON object of key: value");
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v === 'string') out.push([k, v]);
      else if (typeof v === 'number' || typeof v === 'boolean') out.push([k, String(v)]);
      else throw badRequest(`malformed 'tags' parameter: the value of '${k}' must be a string`);
    }
  }
  return out;
}
