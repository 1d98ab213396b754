import { describe, expect, it } from 'vitest';
import { layoutServiceMap } from './service-map-layout.js';

describe('layoutServiceMap', () => {
  it('puts callers left of callees, one layer per step of the longest path', () => {
    const layout = layoutServiceMap([
      { parent: 'frontend', child: 'checkout', callCount: 10 },
      { parent: 'checkout', child: 'payment', callCount: 4 },
      { parent: 'frontend', child: 'payment', callCount: 1 },
      { parent: 'checkout', child: 'db', callCount: 7 },
    ]);
    const layer = Object.fromEntries(layout.nodes.map((n) => [n.name, n.layer]));
    expect(layer).toEqual({ frontend: 0, checkout: 1, payment: 2, db: 2 });
    const node = (name: string) => layout.nodes.find((n) => n.name === name)!;
    expect(node('checkout')).toMatchObject({ callsIn: 10, callsOut: 11 });
    expect(node('payment').x).toBeGreaterThan(node('checkout').x);
    expect(node('payment').y).not.toBe(node('db').y);
    expect(layout.edges.every((e) => !e.back)).toBe(true);
  });

  it('puts a caller nobody calls next to its callee', () => {
    const layout = layoutServiceMap([
      { parent: 'web', child: 'api', callCount: 1 },
      { parent: 'api', child: 'db', callCount: 1 },
      { parent: 'batch', child: 'db', callCount: 1 },
    ]);
    expect(Object.fromEntries(layout.nodes.map((n) => [n.name, n.layer]))).toEqual({ web: 0, api: 1, db: 2, batch: 1 });
  });

  it('breaks cycles and marks self-calls, deterministically', () => {
    const links = [
      { parent: 'a', child: 'b', callCount: 1 },
      { parent: 'b', child: 'c', callCount: 1 },
      { parent: 'c', child: 'a', callCount: 1 },
      { parent: 'c', child: 'c', callCount: 3 },
    ];
    const layout = layoutServiceMap(links);
    expect(layout.edges.filter((e) => e.back).map((e) => `${e.parent}>${e.child}`)).toEqual(['c>a', 'c>c']);
    expect(layoutServiceMap(links)).toEqual(layout);
  });

  it('an empty graph is empty', () => {
    expect(layoutServiceMap([])).toMatchObject({ nodes: [], edges: [] });
  });
});
