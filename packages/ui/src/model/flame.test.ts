import { describe, expect, it } from 'vitest';
import { buildFlameGraph } from './flame.js';
import { buildTraceModel } from './trace-model.js';
import { MS, span, TRACE } from './test-helpers.js';

describe('buildFlameGraph', () => {
  const m = buildTraceModel(TRACE, [
    span({ id: 'a', start: 0, end: 100, service: 'web', name: 'GET /' }),
    span({ id: 'b', parent: 'a', start: 10, end: 30, service: 'db', name: 'select' }),
    span({ id: 'c', parent: 'a', start: 40, end: 60, service: 'db', name: 'select' }),
    span({ id: 'd', parent: 'a', start: 70, end: 90, service: 'cache', name: 'get' }),
    span({ id: 'e', parent: 'd', start: 70, end: 80, service: 'cache', name: 'decode' }),
  ]);
  const g = buildFlameGraph(m);
  const label = (i: number) => `${m.services[g.nodes[i].service]}:${m.names[g.nodes[i].name]}`;

  it('merges spans by call path and sizes boxes by the self time below them', () => {
    expect(g.nodes.map((_, i) => label(i))).toEqual(['web:GET /', 'db:select', 'cache:get', 'cache:decode']);
    expect(g.nodes.map((n) => n.count)).toEqual([1, 2, 1, 1]);
    expect(g.nodes.map((n) => n.valueNano / MS)).toEqual([100, 40, 20, 10]);
    expect(g.nodes.map((n) => n.selfNano / MS)).toEqual([40, 40, 10, 10]);
    expect(g.totalNano).toBe(100 * MS);
    expect(g.maxDepth).toBe(2);
  });

  it('children sit side by side inside their parent', () => {
    expect(g.nodes.map((n) => [n.x, n.width])).toEqual([
      [0, 1],
      [0, 0.4],
      [0.4, 0.2],
      [0.4, 0.1],
    ]);
  });
});
