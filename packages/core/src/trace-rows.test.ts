import { describe, expect, it } from 'vitest';
import type { Span } from './model.js';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from './model.js';
import { traceRows } from './trace-rows.js';

function span(id: string, parent: string, start: bigint): Span {
  return {
    traceId: 'ab'.repeat(16), spanId: id, parentSpanId: parent, traceState: '', flags: 0, name: id, kind: 1,
    startTimeUnixNano: start, endTimeUnixNano: start + 10n, attributes: [], droppedAttributesCount: 0, events: [],
    droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, resource: EMPTY_RESOURCE, scope: EMPTY_SCOPE,
  };
}

describe('traceRows', () => {
  it('orders depth-first, children by start, parents as earlier rows', () => {
    const t = traceRows([span('c', 'a', 5n), span('d', 'b', 3n), span('a', '', 0n), span('b', 'a', 2n), span('x', 'missing', 1n)]);
    expect(t.spans.map((s) => s.spanId)).toEqual(['a', 'b', 'd', 'c', 'x']);
    expect([...t.parent]).toEqual([-1, 0, 1, 0, -1]);
    expect(t.startTimeUnixNano).toBe(0n);
    expect(t.endTimeUnixNano).toBe(15n);
  });

  it('handles a 100k-deep chain without recursion', () => {
    const chain = Array.from({ length: 100_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : '', BigInt(i)));
    const t = traceRows(chain);
    expect(t.parent[99_999]).toBe(99_998);
    expect(t.spans[99_999].spanId).toBe('s99999');
  });
});
