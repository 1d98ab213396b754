import type { Span } from '@tracelight/core';
import { spansOf } from '@tracelight/core';
import { decodeTraceRequest } from '@tracelight/otlp';
import type { Store } from '@tracelight/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { shop, TRACE_IDS } from '../../../test/fixtures/index.js';
import { QUERY_BASE, QUERY_NOW, shopStore } from '../../../test/fixtures/query/shop-store.js';
import type { QueryHandler } from './query-handler.js';
import { createQueryHandler } from './query-handler.js';

const S = 1_000_000_000n;
let store: Store;
let handler: QueryHandler;

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handler(new Request(`http://tracelight.test${path}`));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function decode(result: unknown): Span[] {
  const decoded = decodeTraceRequest(new TextEncoder().encode(JSON.stringify(result)), 'json');
  expect(decoded.rejected).toBe(0);
  return spansOf(decoded.batch);
}

const bySpanId = (spans: readonly Span[]) => [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
// OTLP/JSON (like JSON itself) has no negative zero.
const noNegativeZero = (spans: readonly Span[]) =>
  spans.map((s) => ({ ...s, attributes: s.attributes.map((kv) => (Object.is(kv.value, -0) ? { key: kv.key, value: 0 } : kv)) }));

beforeAll(async () => {
  store = await shopStore();
  handler = createQueryHandler({ store, now: () => QUERY_NOW });
});

describe('/api/v3', () => {
  it('lists services and operations in v3 shapes', async () => {
    expect((await get('/api/v3/services')).body).toEqual({
      services: ['api', 'checkout', 'db-proxy', 'frontend', 'fulfilment', 'inventory', 'orders', 'payment'],
    });
    expect((await get('/api/v3/operations?service=checkout&span_kind=client')).body).toEqual({
      operations: [
        { name: 'charge', spanKind: 'client' },
        { name: 'db SELECT', spanKind: 'client' },
      ],
    });
    expect((await get('/api/v3/operations?service=nobody')).body).toEqual({ operations: [] });
  });

  it('returns a trace as OTLP/JSON in {result}, losing nothing', async () => {
    const { status, body } = await get(`/api/v3/traces/${TRACE_IDS.t4}?raw_traces=true`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['result']);
    const spans = decode(body.result);
    expect(bySpanId(spans)).toEqual(bySpanId(noNegativeZero(shop(QUERY_BASE).traces.t4)));
  });

  it('404s an unknown trace and 400s a bad id, in the v3 error shape', async () => {
    expect(await get('/api/v3/traces/0000000000000000000000000000abcd')).toEqual({
      status: 404,
      body: { error: { httpCode: 404, code: 'QUERY_NOT_FOUND', message: 'trace not found' } },
    });
    const bad = await get('/api/v3/traces/xyz');
    expect(bad.status).toBe(400);
    expect((bad.body.error as { httpCode: number }).httpCode).toBe(400);
  });

  it('finds traces with query.* parameters (RFC 3339 times, Go durations) and returns all their spans', async () => {
    const t = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const window = `query.start_time_min=${t(QUERY_BASE)}&query.start_time_max=${t(QUERY_NOW)}`;
    const slow = await get(`/api/v3/traces?query.service_name=frontend&query.duration_min=2s&${window}`);
    expect(slow.status).toBe(200);
    expect(bySpanId(decode((slow.body as { result: unknown }).result))).toEqual(bySpanId(shop(QUERY_BASE).traces.t5));

    const byAttr = await get(`/api/v3/traces?query.service_name=frontend&query.attributes=${encodeURIComponent('{"http.response.status_code":"500"}')}&${window}`);
    expect(new Set(decode((byAttr.body as { result: unknown }).result).map((s) => s.traceId))).toEqual(new Set([TRACE_IDS.t2]));
    const mapForm = await get(`/api/v3/traces?query.service_name=frontend&${encodeURIComponent('query.attributes[http.response.status_code]')}=500&${window}`);
    expect(new Set(decode((mapForm.body as { result: unknown }).result).map((s) => s.traceId))).toEqual(new Set([TRACE_IDS.t2]));

    const two = await get(`/api/v3/traces?query.service_name=frontend&query.num_traces=2&${window}`);
    expect(new Set(decode((two.body as { result: unknown }).result).map((s) => s.traceId))).toEqual(new Set([TRACE_IDS.t6, TRACE_IDS.t5]));
    const offset = `query.start_time_min=${encodeURIComponent('2023-11-15T00:13:20+02:00')}&query.start_time_max=${encodeURIComponent('2023-11-14T22:15:00.5Z')}`;
    const early = await get(`/api/v3/traces?query.service_name=frontend&${offset}`);
    expect(new Set(decode((early.body as { result: unknown }).result).map((s) => s.traceId))).toEqual(new Set([TRACE_IDS.t1]));
  });

  it('requires the time range and well-formed parameters', async () => {
    for (const q of ['query.service_name=frontend', 'query.start_time_min=yesterday&query.start_time_max=2023-11-14T22:15:00Z', `query.start_time_min=2023-11-14T22:15:00Z&query.start_time_max=2023-11-14T22:16:00Z&query.duration_min=long`]) {
      const { status, body } = await get(`/api/v3/traces?${q}`);
      expect(status, q).toBe(400);
      expect((body.error as { code: string }).code, q).toBe('QUERY_BAD_REQUEST');
    }
  });

  it('summarises traces by id or by query', async () => {
    const { body } = await get(`/api/v3/trace-summaries?trace_id=${TRACE_IDS.t2}&trace_id=${TRACE_IDS.t1}&trace_id=ffffffffffffffffffffffffffffffff`);
    const t2Start = QUERY_BASE + 120n * S;
    expect(body).toEqual({
      summaries: [
        {
          traceId: TRACE_IDS.t2,
          rootServiceName: 'frontend',
          rootSpanName: 'GET /checkout',
          startTimeUnixNano: t2Start.toString(),
          endTimeUnixNano: (t2Start + 80_000_000n).toString(),
          durationNano: '80000000',
          spanCount: 5,
          errorCount: 3,
          services: [
            { serviceName: 'checkout', spanCount: 2, errorCount: 1 },
            { serviceName: 'frontend', spanCount: 2, errorCount: 1 },
            { serviceName: 'payment', spanCount: 1, errorCount: 1 },
          ],
        },
        expect.objectContaining({ traceId: TRACE_IDS.t1, spanCount: 7, errorCount: 0 }),
      ],
    });
    const t = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const byQuery = await get(`/api/v3/trace-summaries?query.service_name=payment&query.start_time_min=${t(QUERY_BASE)}&query.start_time_max=${t(QUERY_NOW)}`);
    expect((byQuery.body.summaries as { traceId: string }[]).map((s) => s.traceId)).toEqual([TRACE_IDS.t2, TRACE_IDS.t1]);
  });
});
