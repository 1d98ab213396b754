import { describe, expect, it } from 'vitest';
import type { Span } from './model.js';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from './model.js';
import { assembleTrace } from './trace.js';

function span(id: string, parent: string, start: bigint): Span {
  return {
    traceId: 'ab'.repeat(16), spanId: id, parentSpanId: parent, traceState: '', flags: 0, name: id, kind: 1,
    startTimeUnixNano: start, endTimeUnixNano: start + 10n, attributes: [], droppedAttributesCount: 0, events: [],
    droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, resource: EMPTY_RESOURCE, scope: EMPTY_SCOPE,
  };
}

describe('assembleTrace', () => {
  it('builds the tree, orders children by start, keeps a repeated span once', () => {
    const t = assembleTrace([span('c', 'a', 5n), span('a', '', 0n), span('b', 'a', 2n), span('b', 'a', 2n), span('x', 'missing', 1n)]);
    expect(t.spanCount).toBe(4);
    expect(t.roots.map((n) => n.span.spanId)).toEqual(['a', 'x']);
    expect(t.roots[0].children.map((n) => n.span.spanId)).toEqual(['b', 'c']);
    expect(t.bySpanId.get('c')!.depth).toBe(1);
    expect(t.endTimeUnixNano).toBe(15n);
  });

  it('breaks a parent cycle and handles a 100k-deep chain without recursion', () => {
    const cyc = assembleTrace([span('a', 'b', 0n), span('b', 'a', 1n)]);
    expect(cyc.roots).toHaveLength(1);
    expect(cyc.spanCount).toBe(2);
    const chain = Array.from({ length: 100_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : '', BigInt(i)));
    const t = assembleTrace(chain);
    expect(t.bySpanId.get('s99999')!.depth).toBe(99_999);
  });
});
