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

describe('traceRows agrees with assembleTrace', () => {
  it('on duplicates, parent cycles, self-parents, equal starts and a random forest', async () => {
    const { assembleTrace } = await import('./trace.js');
    const preorder = (spans: Span[]) => {
      const t = assembleTrace(spans);
      const out: string[] = [];
      const stack = [...t.roots].reverse();
      while (stack.length > 0) {
        const node = stack.pop()!;
        out.push(node.span.spanId);
        for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
      }
      return out;
    };
    const cases: Span[][] = [
      [span('a', 'b', 0n), span('b', 'a', 1n), span('c', 'a', 2n), span('d', 'd', 3n)],
      [span('r', '', 5n), span('x', 'r', 7n), span('y', 'r', 7n), span('z', 'r', 6n), span('x', 'r', 1n)],
    ];
    let seed = 42;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
    const forest: Span[] = [];
    for (let i = 0; i < 2000; i++) forest.push(span(`s${i}`, i === 0 || rand(10) === 0 ? `m${i}` : `s${rand(i)}`, BigInt(rand(50))));
    cases.push(forest);
    for (const c of cases) {
      const t = traceRows(c);
      expect(t.spans.map((s) => s.spanId)).toEqual(preorder(c));
      t.parent.forEach((p, r) => {
        expect(p).toBeLessThan(r);
        if (p >= 0) expect(t.spans[r].parentSpanId).toBe(t.spans[p].spanId);
      });
    }
  });
});
