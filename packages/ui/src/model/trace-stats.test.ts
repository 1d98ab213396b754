import { describe, expect, it } from 'vitest';
import { buildTraceModel } from './trace-model.js';
import { selfTimes } from './trace-stats.js';
import { MS, span, TRACE } from './test-helpers.js';

describe('trace statistics', () => {
  const m = buildTraceModel(TRACE, [
    span({ id: 'a', start: 0, end: 100, service: 'web', name: 'GET /' }),
    span({ id: 'b', parent: 'a', start: 10, end: 60, service: 'db', name: 'select' }),
    span({ id: 'c', parent: 'a', start: 30, end: 80, service: 'db', name: 'select' }),
    span({ id: 'd', parent: 'a', start: 85, end: 120, service: 'cache', name: 'get', error: true }),
  ]);

  it('self time subtracts the union of the children, cut to the span', () => {
    // Children cover 10..80 (overlapping) and 85..100 (cut): 70 + 15 = 85 of 100.
    expect([...selfTimes(m)].map((v) => v / MS)).toEqual([15, 50, 50, 35]);
  });

  it('per service: count, total, self, errors and share of the critical path', () => {
    const db = m.statistics.services.find((s) => s.service === 'db')!;
    expect(db).toMatchObject({ count: 2, errors: 0, totalNano: 100 * MS, selfNano: 100 * MS, maxNano: 50 * MS });
    // Path: root 0..30, c 30..80, root 80..85, d 85..100 (cut) → db has 50 of 100.
    expect(db.criticalNano).toBe(50 * MS);
    expect(db.criticalShare).toBeCloseTo(0.5);
    const cache = m.statistics.services.find((s) => s.service === 'cache')!;
    expect(cache).toMatchObject({ errors: 1, criticalNano: 15 * MS });
    expect(m.statistics.services.map((s) => s.service)).toEqual(['db', 'web', 'cache']);
    expect(m.statistics.services.reduce((s, r) => s + r.criticalShare, 0)).toBeCloseTo(1);
  });

  it('per operation', () => {
    const ops = m.statistics.operations.map((o) => `${o.service}:${o.operation}:${o.count}`);
    expect(ops).toEqual(['db:select:2', 'web:GET /:1', 'cache:get:1']);
  });
});
