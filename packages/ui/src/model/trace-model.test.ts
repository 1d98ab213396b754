import { describe, expect, it } from 'vitest';
import { RowFlag, buildTraceModel, mainRoot, modelFromSkeleton } from './trace-model.js';
import { MS, span, TRACE } from './test-helpers.js';
import { ancestorsOf, collapseBelow, visibleRows } from './visible-rows.js';

describe('buildTraceModel', () => {
  const spans = [
    span({ id: 'c', parent: 'a', start: 50, end: 90, service: 'db', name: 'query' }),
    span({ id: 'a', start: 0, end: 100, service: 'web', name: 'GET /' }),
    span({ id: 'b', parent: 'a', start: 10, end: 40, service: 'api', name: 'call', error: true }),
    span({ id: 'd', parent: 'b', start: 20, end: 30, service: 'api', name: 'work' }),
    span({ id: 'e', parent: 'missing', start: 95, end: 120, service: 'late', name: 'orphan' }),
  ];
  const m = buildTraceModel(TRACE, spans, new Map([['000000000000000d', ['skew']]]));

  it('lays spans out depth-first with children by start time', () => {
    expect(m.spanIds.map((id) => id.replace(/^0+/, ''))).toEqual(['a', 'b', 'd', 'c', 'e']);
    expect([...m.depth]).toEqual([0, 1, 2, 1, 0]);
    expect([...m.parent]).toEqual([-1, 0, 1, 0, -1]);
    expect([...m.subtreeEnd]).toEqual([4, 3, 3, 4, 5]);
    expect([...m.childCount]).toEqual([2, 1, 0, 0, 0]);
    expect(m.roots).toEqual([0, 4]);
  });

  it('keeps times relative to the trace start and interns services and names', () => {
    expect([...m.start].map((v) => v / MS)).toEqual([0, 10, 20, 50, 95]);
    expect([...m.duration].map((v) => v / MS)).toEqual([100, 30, 10, 40, 25]);
    expect(m.durationNano).toBe(120 * MS);
    expect(m.services).toEqual(['web', 'api', 'db', 'late']);
    expect(m.names[m.name[3]]).toBe('query');
    expect(m.errorCount).toBe(1);
    expect(m.maxDepth).toBe(2);
  });

  it('flags orphans and warnings', () => {
    expect(m.orphanCount).toBe(1);
    expect(m.flags[4] & RowFlag.ORPHAN).toBeTruthy();
    expect(m.flags[2] & RowFlag.WARNING).toBeTruthy();
    expect(m.warningCount).toBe(1);
  });

  it('takes the root that ends last as the main root', () => {
    expect(mainRoot(m)).toBe(4);
  });

  it('handles an empty trace and a 100k-deep chain without recursion', () => {
    expect(buildTraceModel(TRACE, []).spanCount).toBe(0);
    const chain = Array.from({ length: 100_000 }, (_, i) => span({ id: (i + 1).toString(16), parent: i === 0 ? undefined : i.toString(16), start: i * 0.001, end: 1000 - i * 0.001 }));
    const deep = buildTraceModel(TRACE, chain);
    expect(deep.maxDepth).toBe(99_999);
    expect(deep.subtreeEnd[0]).toBe(100_000);
    expect(deep.criticalPath.onPath[99_999]).toBe(1);
  });
});

describe('visible rows', () => {
  const m = buildTraceModel(TRACE, [
    span({ id: 'a', start: 0, end: 100 }),
    span({ id: 'b', parent: 'a', start: 10, end: 40 }),
    span({ id: 'd', parent: 'b', start: 20, end: 30 }),
    span({ id: 'c', parent: 'a', start: 50, end: 90 }),
  ]);
  it('skips folded subtrees', () => {
    expect([...visibleRows(m, new Set())]).toEqual([0, 1, 2, 3]);
    expect([...visibleRows(m, new Set([1]))]).toEqual([0, 1, 3]);
    expect([...visibleRows(m, new Set([0, 1]))]).toEqual([0]);
    expect([...collapseBelow(m, 1)]).toEqual([1]);
    expect(ancestorsOf(m, 2)).toEqual([1, 0]);
  });
});

describe('modelFromSkeleton', () => {
  it('builds the same model from the server skeleton as from the full spans (1000 generated spans)', async () => {
    const { createMemoryStore } = await import('@tracelight/store');
    const { createQueryHandler } = await import('@tracelight/query');
    const { decodeSkeleton } = await import('@tracelight/query/client');
    const { spansOf, traceIdHex } = await import('@tracelight/core');
    const { createTraceGenerator } = await import('../../../../test/fixtures/trace-generator.js');
    const store = createMemoryStore();
    const batch = createTraceGenerator({ seed: 3, startTimeUnixNano: 1_700_000_000_000_000_000n, spansPerTrace: 1000, errorRate: 0.05 }).nextBatch(1);
    await store.writeSpans(batch);
    const traceId = traceIdHex(batch, 0);
    const handler = createQueryHandler({ store });
    const res = await handler(new Request(`http://x/api/tl/traces/${traceId}/skeleton`));
    const fromSkeleton = modelFromSkeleton(decodeSkeleton(await res.arrayBuffer()));
    const fromSpans = buildTraceModel(traceId, spansOf(batch));
    expect(fromSkeleton.spanCount).toBe(1000);
    expect(fromSkeleton).toEqual(fromSpans);
  });
});
