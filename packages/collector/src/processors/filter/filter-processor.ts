import type { AnyValue, SpanBatch } from '@tracelight/core';
import { anyValueToString, filterSpans, getAttribute, serviceNameOf, SpanKind } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { ConfigError } from '../../component.js';
import { list, object, oneOf, optional, parseConfig, scalar, str } from '../../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processor.js';
import { createSpanTransformProcessor } from '../processor.js';

export interface AttributeMatch {
  readonly key: string;
  /** Compared with the attribute's text form; with match_type regexp, a regular expression. Absent: the key must exist. */
  readonly value: string | number | boolean | undefined;
}

/** Conditions of one side (include or exclude); a span matches when every listed condition holds. */
export interface SpanMatch {
  readonly match_type: 'strict' | 'regexp';
  readonly services: readonly string[];
  readonly span_names: readonly string[];
  readonly span_kinds: readonly ('internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified')[];
  readonly attributes: readonly AttributeMatch[];
  readonly resources: readonly AttributeMatch[];
}

export interface FilterConfig {
  readonly spans: {
    /** Keep only spans that match (when given). */
    readonly include: SpanMatch | undefined;
    /** Drop spans that match (e.g. health checks). */
    readonly exclude: SpanMatch | undefined;
  };
}

const attributeMatch = object<AttributeMatch>({ key: str({ nonEmpty: true }), value: optional(scalar) });
const spanMatch = object<SpanMatch>(
  {
    match_type: oneOf(['strict', 'regexp']),
    services: list(str()),
    span_names: list(str()),
    span_kinds: list(oneOf(['internal', 'server', 'client', 'producer', 'consumer', 'unspecified'])),
    attributes: list(attributeMatch),
    resources: list(attributeMatch),
  },
  { services: [], span_names: [], span_kinds: [], attributes: [], resources: [] },
);
const schema = object<FilterConfig>({ spans: object({ include: optional(spanMatch), exclude: optional(spanMatch) }) });

const KINDS: Readonly<Record<string, number>> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

type Test = (batch: SpanBatch, i: number) => boolean;

function compile(m: SpanMatch, path: string): Test {
  const problems: string[] = [];
  const matcher = (pattern: string, at: string): ((s: string) => boolean) => {
    if (m.match_type === 'strict') return (s) => s === pattern;
    try {
      const r = new RegExp(pattern);
      return (s) => r.test(s);
    } catch (err) {
      problems.push(`${at}: not a valid regular expression: ${(err as Error).message}`);
      return () => false;
    }
  };
  const anyOf = (patterns: readonly string[], at: string) => {
    const ms = patterns.map((p, i) => matcher(p, `${at}[${i}]`));
    return (s: string) => ms.some((f) => f(s));
  };
  const attrTests = (list: readonly AttributeMatch[], at: string) =>
    list.map((a, i) => {
      const valueTest = a.value === undefined ? undefined : matcher(String(a.value), `${at}[${i}].value`);
      return (value: AnyValue | undefined) => value !== undefined && (valueTest === undefined || valueTest(anyValueToString(value)));
    });
  if (m.services.length + m.span_names.length + m.span_kinds.length + m.attributes.length + m.resources.length === 0) {
    problems.push(`${path}: needs at least one of services, span_names, span_kinds, attributes, resources`);
  }
  const services = anyOf(m.services, `${path}.services`);
  const names = anyOf(m.span_names, `${path}.span_names`);
  const kinds = new Set(m.span_kinds.map((k) => KINDS[k]));
  const spanAttrs = attrTests(m.attributes, `${path}.attributes`);
  const resourceAttrs = attrTests(m.resources, `${path}.resources`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return (batch, i) => {
    const resource = batch.resources[batch.resourceIndex[i]];
    if (m.services.length > 0 && !services(serviceNameOf(resource))) return false;
    if (m.span_names.length > 0 && !names(batch.name[i])) return false;
    if (kinds.size > 0 && !kinds.has(batch.kind[i])) return false;
    if (!m.attributes.every((a, k) => spanAttrs[k](getAttribute(batch.attributes[i], a.key)))) return false;
    return m.resources.every((a, k) => resourceAttrs[k](getAttribute(resource.attributes, a.key)));
  };
}

function validate(config: unknown, path = 'processors.filter'): FilterConfig {
  const c = parseConfig(schema, config, path);
  if (!c.spans.include && !c.spans.exclude) throw new ConfigError(`${path}.spans: needs include and/or exclude`);
  if (c.spans.include) compile(c.spans.include, `${path}.spans.include`);
  if (c.spans.exclude) compile(c.spans.exclude, `${path}.spans.exclude`);
  return c;
}

/**
 * Drops spans by condition (the Collector's filter processor, in its include/exclude form):
 * a span is kept when it matches `include` (if given) and does not match `exclude`.
 */
export const filterProcessorFactory: ComponentFactory<FilterConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'filter',
  signals: ['traces'],
  defaultConfig: () => ({ spans: { include: undefined, exclude: undefined } }),
  validateConfig: validate,
  create(config, deps) {
    const include = config.spans.include && compile(config.spans.include, 'include');
    const exclude = config.spans.exclude && compile(config.spans.exclude, 'exclude');
    return createSpanTransformProcessor(deps, (batch) => {
      const keep = new Uint8Array(batch.length);
      let kept = 0;
      for (let i = 0; i < batch.length; i++) {
        const k = (!include || include(batch, i)) && !(exclude && exclude(batch, i));
        keep[i] = k ? 1 : 0;
        if (k) kept++;
      }
      if (kept === batch.length) return { batch };
      return { batch: filterSpans(batch, (_b, i) => keep[i] === 1), dropped: batch.length - kept, reason: 'filtered' };
    });
  },
};
