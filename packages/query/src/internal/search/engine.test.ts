import type { Span } from '@tracelight/core';
import { EMPTY_SCOPE, spanBatchFromSpans, StatusCode } from '@tracelight/core';
import type { StoreReader } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { describe, expect, it } from 'vitest';
import { findMatchingTraces } from './engine.js';
import { parseQuery } from './expr.js';
import { planSearch } from './plan.js';

const RESOURCE = { attributes: [{ key: 'service.name', value: 's' }], droppedAttributesCount: 0, schemaUrl: '' };

function span(trace: number, n: number, name: string, at: number): Span {
  return {
    traceId: (trace + 1).toString(16).padStart(32, '0'),
    spanId: (trace * 100 + n + 1).toString(16).padStart(16, '0'),
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name,
    kind: 2,
    startTimeUnixNano: BigInt(at) * 1_000_000n,
    endTimeUnixNano: BigInt(at) * 1_000_000n + 1n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    resource: RESOURCE,
    scope: EMPTY_SCOPE,
  };
}

/** Counts getTraces calls, to see the search stop early. */
function counting(reader: StoreReader): StoreReader & { fetched: number } {
  const r = Object.create(reader) as StoreReader & { fetched: number };
  r.fetched = 0;
  r.getTraces = async (ids, o) => {
    r.fetched += ids.length;
    return reader.getTraces(ids, o);
  };
  return r;
}

async function run(okAt: (i: number) => number): Promise<{ ids: number[]; truncated: boolean; fetched: number; all: number[] }> {
  const store = createMemoryStore();
  const spans: Span[] = [];
  // 60 traces; from 40 on, each also has a later 'skip' span, which the query rules out but the
  // store (which only sees `service=s`) counts: their candidate time is later than their match.
  for (let i = 0; i < 60; i++) {
    spans.push(span(i, 0, 'ok', okAt(i)));
    if (i >= 40) spans.push(span(i, 1, 'skip', 10_000 + i));
  }
  await store.writeSpans(spanBatchFromSpans(spans));
  const plan = planSearch(parseQuery('service=s AND NOT name=skip'));
  expect(plan.exact).toBe(false);
  const reader = counting(store);
  const top = await findMatchingTraces(reader, plan, { limit: 3, scanLimit: 1000 });
  const everything = await findMatchingTraces(store, plan, { limit: 1000, scanLimit: 1000 });
  const num = (id: string) => parseInt(id, 16) - 1;
  return { ids: top.refs.map((r) => num(r.traceId)), truncated: top.truncated, fetched: reader.fetched, all: everything.refs.map((r) => num(r.traceId)) };
}

describe('findMatchingTraces with checks outside the store', () => {
  it('returns the true newest matches and stops fetching once nothing later can beat them', async () => {
    const r = await run((i) => i);
    expect(r.ids).toEqual([59, 58, 57]);
    expect(r.all.slice(0, 3)).toEqual([59, 58, 57]);
    expect(r.truncated).toBe(true);
    expect(r.fetched).toBe(20);
  });

  it('keeps looking when candidates that rank first turn out to match only early spans', async () => {
    // Traces 40-59 match only with early spans (0-19 ms); 0-39 match at 100-139 ms.
    const r = await run((i) => (i >= 40 ? i - 40 : 100 + i));
    expect(r.ids).toEqual([39, 38, 37]);
    expect(r.all.slice(0, 3)).toEqual([39, 38, 37]);
    expect(r.fetched).toBe(40);
  });
});
