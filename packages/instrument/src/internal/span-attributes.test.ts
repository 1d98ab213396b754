import type { Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { setKnownAttribute, setKnownAttributes } from './span-attributes.js';

// Real SDK spans: the kit's shortcut must end where `setAttributes` / `setAttribute` end.
function provider(spanLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number }) {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanLimits, spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('t');
  return {
    span: (attributes?: Attributes) => tracer.startSpan('s', { attributes }),
    ended: () => exporter.getFinishedSpans(),
  };
}

const ATTRS = { 'url.path': '/a', 'server.port': 8080, 'http.request.method': 'POST', 'user_agent.synthetic': true };

function compare(limits: Parameters<typeof provider>[0], start: Attributes, add: Attributes): [ReadableSpan, ReadableSpan] {
  const p = provider(limits);
  const a = p.span(start);
  a.setAttributes(add);
  a.setAttribute('http.response.status_code', 200);
  a.end();
  const b = p.span(start);
  setKnownAttributes(b, add);
  setKnownAttribute(b, 'http.response.status_code', 200);
  b.end();
  const [x, y] = p.ended();
  return [x, y];
}

describe('setKnownAttributes', () => {
  it('gives the attributes and counts setAttributes gives, overwriting start attributes', () => {
    const [sdk, kit] = compare(undefined, { 'http.request.method': 'GET' }, ATTRS);
    expect(kit.attributes).toEqual(sdk.attributes);
    expect(Object.keys(kit.attributes)).toEqual(Object.keys(sdk.attributes));
    expect(kit.attributes['http.request.method']).toBe('POST');
    expect(kit.droppedAttributesCount).toBe(0);
  });

  it('drops and counts past the attribute count limit like the SDK', () => {
    const [sdk, kit] = compare({ attributeCountLimit: 3 }, { a: 'x' }, ATTRS);
    expect(kit.attributes).toEqual(sdk.attributes);
    expect(Object.keys(kit.attributes)).toHaveLength(3);
    expect(kit.droppedAttributesCount).toBe(sdk.droppedAttributesCount);
    expect(kit.droppedAttributesCount).toBe(3);
  });

  it('leaves value truncation to the SDK when a length limit is set', () => {
    const [sdk, kit] = compare({ attributeValueLengthLimit: 2 }, {}, { 'url.path': '/abcdef' });
    expect(kit.attributes['url.path']).toBe('/a');
    expect(kit.attributes).toEqual(sdk.attributes);
  });

  it('does not touch an ended span', () => {
    const p = provider();
    const span = p.span();
    span.end();
    setKnownAttributes(span, ATTRS);
    setKnownAttribute(span, 'k', 1);
    expect(p.ended()[0].attributes).toEqual({});
  });
});
