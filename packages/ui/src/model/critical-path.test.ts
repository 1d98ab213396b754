import { describe, expect, it } from 'vitest';
import { buildTraceModel } from './trace-model.js';
import { MS, span, TRACE } from './test-helpers.js';
import type { Span } from '@tracelight/core';

/** The path as [span name, start ms, end ms] segments. */
function path(spans: Span[]): [string, number, number][] {
  const m = buildTraceModel(TRACE, spans);
  const cp = m.criticalPath;
  return [...cp.rows].map((r, i) => [m.names[m.name[r]], cp.starts[i] / MS, cp.ends[i] / MS]);
}

describe('computeCriticalPath', () => {
  it('a span without children is its own path', () => {
    expect(path([span({ id: 'a', start: 0, end: 10, name: 'root' })])).toEqual([['root', 0, 10]]);
  });

  it('sequential children: the parent\'s gaps and every child are on the path', () => {
    expect(
      path([
        span({ id: 'a', start: 0, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 10, end: 40, name: 'b' }),
        span({ id: 'c', parent: 'a', start: 50, end: 90, name: 'c' }),
      ]),
    ).toEqual([
      ['root', 0, 10],
      ['b', 10, 40],
      ['root', 40, 50],
      ['c', 50, 90],
      ['root', 90, 100],
    ]);
  });

  it('overlapping children: the last-finishing child wins, the overlapped one only before it starts', () => {
    // b [10,60] and c [30,80] overlap: c ends last; walking back from c's start (30) b has not
    // ended yet (60 > 30), so b is not on the path; the root's own time 0..30 is.
    expect(
      path([
        span({ id: 'a', start: 0, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 10, end: 60, name: 'b' }),
        span({ id: 'c', parent: 'a', start: 30, end: 80, name: 'c' }),
      ]),
    ).toEqual([
      ['root', 0, 30],
      ['c', 30, 80],
      ['root', 80, 100],
    ]);
  });

  it('sequential children that seem to overlap by under a millisecond are both on the path, the first cut where the next starts', () => {
    // OpenTelemetry JS starts spans on whole milliseconds (Date.now()): a call and the step after
    // it can seem to overlap by up to 1 ms. The call must not drop off the path.
    expect(
      path([
        span({ id: 'a', start: 0, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 10, end: 60.75, name: 'call' }),
        span({ id: 'c', parent: 'a', start: 60, end: 90, name: 'next' }),
      ]),
    ).toEqual([
      ['root', 0, 10],
      ['call', 10, 60],
      ['next', 60, 90],
      ['root', 90, 100],
    ]);
  });

  it('a child that ends after its parent is cut at the parent\'s end', () => {
    expect(
      path([
        span({ id: 'a', start: 0, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 20, end: 150, name: 'late' }),
      ]),
    ).toEqual([
      ['root', 0, 20],
      ['late', 20, 100],
    ]);
  });

  it('a child that starts after its parent ended is not on the path; one starting before is cut', () => {
    expect(
      path([
        span({ id: 'a', start: 10, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 0, end: 30, name: 'early' }),
        span({ id: 'c', parent: 'a', start: 120, end: 130, name: 'after' }),
      ]),
    ).toEqual([
      ['early', 10, 30],
      ['root', 30, 100],
    ]);
  });

  it('walks down through grandchildren and back up', () => {
    expect(
      path([
        span({ id: 'a', start: 0, end: 100, name: 'root' }),
        span({ id: 'b', parent: 'a', start: 10, end: 90, name: 'b' }),
        span({ id: 'c', parent: 'b', start: 20, end: 50, name: 'c1' }),
        span({ id: 'd', parent: 'b', start: 20, end: 70, name: 'c2' }),
        span({ id: 'e', parent: 'd', start: 30, end: 60, name: 'g' }),
      ]),
    ).toEqual([
      ['root', 0, 10],
      ['b', 10, 20],
      ['c2', 20, 30],
      ['g', 30, 60],
      ['c2', 60, 70],
      ['b', 70, 90],
      ['root', 90, 100],
    ]);
  });

  it('children ending exactly when the next one starts are all on the path, and the segments add up to the root', () => {
    const spans = [
      span({ id: 'a', start: 0, end: 30, name: 'root' }),
      span({ id: 'b', parent: 'a', start: 0, end: 10, name: 'b' }),
      span({ id: 'c', parent: 'a', start: 10, end: 20, name: 'c' }),
      span({ id: 'd', parent: 'a', start: 20, end: 30, name: 'd' }),
      span({ id: 'z', parent: 'a', start: 5, end: 5, name: 'zero' }),
    ];
    expect(path(spans)).toEqual([
      ['b', 0, 10],
      ['c', 10, 20],
      ['d', 20, 30],
    ]);
    expect(buildTraceModel(TRACE, spans).criticalPath.totalNano).toBe(30 * MS);
  });
});
