import { describe, expect, it } from 'vitest';
import { compareTraces } from './compare.js';
import { buildTraceModel } from './trace-model.js';
import { span, TRACE } from './test-helpers.js';

describe('compareTraces', () => {
  const a = buildTraceModel(TRACE, [
    span({ id: 'a', start: 0, end: 100, service: 'web', name: 'GET /' }),
    span({ id: 'b', parent: 'a', start: 10, end: 20, service: 'db', name: 'select' }),
    span({ id: 'c', parent: 'a', start: 20, end: 30, service: 'db', name: 'select' }),
    span({ id: 'd', parent: 'a', start: 40, end: 50, service: 'cache', name: 'get' }),
    span({ id: 'e', parent: 'a', start: 60, end: 70, service: 'auth', name: 'check' }),
  ]);
  const b = buildTraceModel(TRACE, [
    span({ id: 'a', start: 0, end: 200, service: 'web', name: 'GET /' }),
    span({ id: 'b', parent: 'a', start: 10, end: 20, service: 'db', name: 'select' }),
    span({ id: 'c', parent: 'a', start: 20, end: 30, service: 'db', name: 'select' }),
    span({ id: 'd', parent: 'a', start: 40, end: 45, service: 'cache', name: 'get' }),
    span({ id: 'f', parent: 'a', start: 60, end: 150, service: 'pay', name: 'charge', error: true }),
    span({ id: 'g', parent: 'f', start: 70, end: 80, service: 'pay', name: 'sql' }),
  ]);

  it('merges same-named siblings and marks added, removed, slower and faster', () => {
    const rows = compareTraces(a, b).map((r) => [r.depth, `${r.service}:${r.name}`, r.change, r.a?.count ?? 0, r.b?.count ?? 0, r.descendants]);
    expect(rows).toEqual([
      [0, 'web:GET /', 'slower', 1, 1, 5],
      [1, 'db:select', 'same', 2, 2, 0],
      [1, 'cache:get', 'faster', 1, 1, 0],
      [1, 'auth:check', 'removed', 1, 0, 0],
      [1, 'pay:charge', 'added', 0, 1, 1],
      [2, 'pay:sql', 'added', 0, 1, 0],
    ]);
  });

  it('a trace compared with itself is all "same"', () => {
    expect(compareTraces(a, a).every((r) => r.change === 'same')).toBe(true);
  });
});
