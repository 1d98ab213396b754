import type { Span } from '@tracelight/core';
import { logsOf, spansOf } from '@tracelight/core';
import { decodeLogsRequest, decodeTraceRequest, encodeTraceRequest } from '@tracelight/otlp';
import type { Store } from '@tracelight/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRACE_IDS } from '../../../test/fixtures/index.js';
import { JAEGER_SHAPES_TRACE_ID, jaegerShapesTrace } from '../../../test/fixtures/query/jaeger-shapes.js';
import { QUERY_BASE, QUERY_NOW, shopStore } from '../../../test/fixtures/query/shop-store.js';
import type { SearchResponse, TraceView, UploadResponse } from './api-types.js';
import type { QueryHandler } from './query-handler.js';
import { createQueryHandler } from './query-handler.js';
import { spanBatchFromSpans } from '@tracelight/core';

const J1 = JAEGER_SHAPES_TRACE_ID;
const { t1, t2, t3, t4, t5, t6, t8 } = TRACE_IDS;
let store: Store;
let handler: QueryHandler;

async function call(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await handler(new Request(`http://tracelight.test${path}`, init));
  const text = await res.clone().text();
  return { status: res.status, body: JSON.parse(text), res };
}

const WINDOW = `start=${QUERY_BASE}&end=${QUERY_NOW}`;

async function search(q: string, extra = ''): Promise<string[]> {
  const { status, body } = await call(`/api/tl/search?q=${encodeURIComponent(q)}&${WINDOW}${extra}`);
  expect(status, JSON.stringify(body)).toBe(200);
  return (body as SearchResponse).traces.map((t) => t.traceId);
}

function decodeSpans(json: unknown): Span[] {
  return spansOf(decodeTraceRequest(new TextEncoder().encode(JSON.stringify(json)), 'json').batch);
}

beforeAll(async () => {
  store = await shopStore();
  handler = createQueryHandler({ store, now: () => QUERY_NOW });
});

describe('/api/tl/search', () => {
  it('finds by service, newest trace start first, as summaries', async () => {
    const { body } = await call(`/api/tl/search?q=service%3Dfrontend&${WINDOW}`);
    const res = body as SearchResponse;
    expect(res.traces.map((t) => t.traceId)).toEqual([t6, t5, t2, t1]);
    expect(res).toMatchObject({ total: 4, limit: 20, offset: 0, truncated: false });
    expect(res.traces[1]).toMatchObject({ rootServiceName: 'frontend', rootSpanName: 'GET /search', durationNano: '2500000000', spanCount: 2, errorCount: 0 });
  });

  it('combines conditions with OR, AND (also implicit), NOT and parentheses', async () => {
    expect(await search('service=checkout OR service=inventory')).toEqual([t8, t6, t3, t2, t1]);
    expect(await search('service = payment status = error')).toEqual([t2]);
    expect(await search('kind=server AND NOT service=frontend')).toEqual([t6, t3, t2, t1, J1]);
    expect(await search('(service=orders || service=fulfilment) && !kind=producer')).toEqual([t4]);
    expect(await search('name="reserve stock" OR (service=inventory AND name=lookup)')).toEqual([t8, t3, t1]);
  });

  it('compares attribute values as numbers, tests presence, and tells span from resource from event', async () => {
    expect(await search('span.http.response.status_code >= 500')).toEqual([t2]);
    expect(await search('span.http.response.status_code >= 200 span.http.response.status_code < 300')).toEqual([t1]);
    expect(await search('span.payment.amount > 50')).toEqual([t2]);
    expect(await search('span.payment.amount <= 12.5')).toEqual([t1]);
    expect(await search('span.i.big > 9007199254740991')).toEqual([J1]); // int64 compared exactly
    expect(await search('has(resource.cloud.region)')).toEqual([t2, t1]);
    expect(await search('resource.deployment.environment.name = staging')).toEqual([t3]);
    expect(await search('span.deployment.environment.name = staging')).toEqual([]);
    expect(await search('event.exception.type = CardDeclined')).toEqual([t2]);
    expect(await search('attr.cache.key = "sku-42"')).toEqual([t1]);
    expect(await search('span.user.tier != gold')).toEqual([t2]);
    expect(await search('span.http.response.status_code = 200.0')).toEqual([t1]);
  });

  it('filters by status, kind, duration and scope', async () => {
    expect(await search('status=error AND kind=client')).toEqual([J1]);
    expect(await search('status = ok')).toEqual([t4, J1]);
    expect(await search('kind = consumer')).toEqual([t4]);
    expect(await search('duration > 2s')).toEqual([t5]);
    expect(await search('service=frontend duration >= 80ms duration <= 120ms')).toEqual([t2, t1]);
    expect(await search('scope = orders-app')).toEqual([t4]);
  });

  it('sorts by duration or start, either way, and pages', async () => {
    expect(await search('service=frontend', '&sort=duration')).toEqual([t5, t1, t2, t6]);
    expect(await search('service=frontend', '&sort=duration&order=asc')).toEqual([t6, t2, t1, t5]);
    expect(await search('service=frontend', '&sort=start&order=asc')).toEqual([t1, t2, t5, t6]);
    const { body } = await call(`/api/tl/search?q=service%3Dfrontend&sort=duration&limit=2&offset=1&${WINDOW}`);
    expect(body).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect((body as SearchResponse).traces.map((t) => t.traceId)).toEqual([t1, t2]);
  });

  it('takes the same request as a POST body, and lookback instead of start', async () => {
    const { status, body } = await call('/api/tl/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: 'service=frontend', end: new Date(Number((QUERY_BASE + 310n * 1_000_000_000n) / 1_000_000n)).toISOString(), lookback: '200s', limit: 5 }),
    });
    expect(status).toBe(200);
    expect((body as SearchResponse).traces.map((t) => t.traceId)).toEqual([t5, t2]);
  });

  it('says when it stopped looking (truncated)', async () => {
    const small = createQueryHandler({ store, now: () => QUERY_NOW, searchScanLimit: 2 });
    const res = (await (await small(new Request(`http://x/api/tl/search?${WINDOW}&limit=2`))).json()) as SearchResponse;
    expect(res.truncated).toBe(true);
    expect(res.total).toBe(2);
    const all = (await (await handler(new Request(`http://x/api/tl/search?${WINDOW}`))).json()) as SearchResponse;
    expect(all.truncated).toBe(false);
    expect(all.total).toBe(8);
  });

  it('answers mistakes with 400 and a message that points at them', async () => {
    for (const [q, fragment] of [
      ['service=', 'expected a value'],
      ['service=a AND', 'expected a field'],
      ['(service=a', "expected ')'"],
      ['span.x > abc', 'compare numbers'],
      ['kind=sideways', 'kind is one of'],
      ['duration > fast', 'duration takes a duration'],
      ['colour=red', "unknown field 'colour'"],
      ['service="unterminated', 'unterminated string'],
      ['a=1 OR '.repeat(0) + Array.from({ length: 6 }, (_, i) => `(service=a${i} OR service=b${i})`).join(' AND '), 'too complex'],
    ]) {
      const { status, body } = await call(`/api/tl/search?q=${encodeURIComponent(q)}`);
      expect(status, q).toBe(400);
      const err = (body as { error: { httpCode: number; code: string; message: string } }).error;
      expect(err.httpCode).toBe(400);
      expect(err.code).toBe('QUERY_BAD_REQUEST');
      expect(err.message, q).toContain(fragment);
    }
    expect((await call('/api/tl/search?sort=size')).status).toBe(400);
    expect((await call('/api/tl/search?limit=0')).status).toBe(400);
    expect((await call('/api/tl/search', { method: 'POST', body: '[1]' })).status).toBe(400);
  });
});

describe('/api/tl/traces', () => {
  it('shows a trace as OTLP/JSON with its id', async () => {
    const { status, body } = await call(`/api/tl/traces/${t1}`);
    expect(status).toBe(200);
    expect((body as TraceView).traceId).toBe(t1);
    expect(decodeSpans(body)).toHaveLength(7);
    const missing = await call(`/api/tl/traces/${'e'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect((await call('/api/tl/traces/abc')).status).toBe(400);
  });

  it('downloads a trace as stored, as an attachment', async () => {
    const { status, res, body } = await call(`/api/tl/traces/${J1}/download`);
    expect(status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="trace-${J1}.json"`);
    const sort = (s: Span[]) => [...s].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
    expect(sort(decodeSpans(body))).toEqual(sort(jaegerShapesTrace(QUERY_BASE)));
  });

  it('shows an uploaded OTLP file without storing it', async () => {
    const spans = jaegerShapesTrace(QUERY_BASE).map((s) => ({ ...s, traceId: 'ab'.repeat(16) }));
    const body = encodeTraceRequest(spanBatchFromSpans(spans), 'json');
    const up = await call('/api/tl/traces/upload', { method: 'POST', body });
    expect(up.status).toBe(200);
    const traces = (up.body as UploadResponse).traces;
    expect(traces.map((t) => t.traceId)).toEqual(['ab'.repeat(16)]);
    expect(decodeSpans(traces[0])).toHaveLength(3);
    expect((await call(`/api/tl/traces/${'ab'.repeat(16)}`)).status).toBe(404);
  });

  it('reads back a Jaeger JSON download (what Jaeger UI saves) as the same spans', async () => {
    const jaeger = await (await handler(new Request(`http://x/api/traces/${J1}`))).text();
    const up = await call('/api/tl/traces/upload?raw=true', { method: 'POST', body: jaeger });
    expect(up.status).toBe(200);
    const [trace] = (up.body as UploadResponse).traces;
    const got = new Map(decodeSpans(trace).map((s) => [s.spanId, s]));
    const want = jaegerShapesTrace(QUERY_BASE);
    for (const w of want) {
      const g = got.get(w.spanId)!;
      expect(g, w.spanId).toBeDefined();
      expect(g.parentSpanId).toBe(w.parentSpanId);
      expect(g.name).toBe(w.name);
      expect(g.kind).toBe(w.kind);
      expect(g.status).toEqual(w.status);
      expect(g.traceState).toBe(w.traceState);
      expect(g.flags).toBe(w.flags & 0xff);
      expect(g.scope.name).toBe(w.scope.name);
      expect(g.droppedAttributesCount).toBe(w.droppedAttributesCount);
      // Jaeger keeps microseconds.
      expect(g.startTimeUnixNano).toBe((w.startTimeUnixNano / 1000n) * 1000n);
      expect(g.resource.attributes).toEqual(w.resource.attributes);
      expect(g.events.map((e) => e.name)).toEqual(w.events.map((e) => (e.name === 'named' ? 'explicit' : e.name)));
    }
    // Typed values come back typed (int64 beyond 2^53 exactly); arrays and maps were flattened to text by Jaeger.
    const s1 = got.get('00000000000000a1')!.attributes;
    expect(s1.find((kv) => kv.key === 'i.min')?.value).toBe(-9223372036854775808n);
    expect(s1.find((kv) => kv.key === 'bytes')?.value).toEqual(new Uint8Array([1, 2, 3]));
    expect(Number.isNaN(s1.find((kv) => kv.key === 'd.nan')?.value)).toBe(true);
    expect(s1.find((kv) => kv.key === 'arr')?.value).toBe('["x",1]');
    // Links survive, tagged with their Jaeger reference type; a FOLLOWS_FROM reference to the
    // parent (s2 had a link to its parent) is both the parent and a link, as in Jaeger's translator.
    expect(got.get('00000000000000a2')!.links.map((l) => [l.traceId, l.spanId, l.attributes])).toEqual([
      [J1, '00000000000000a1', [{ key: 'opentracing.ref_type', value: 'follows_from' }]],
      ['dd000000000000000000000000000002', '00000000000000d2', [{ key: 'opentracing.ref_type', value: 'follows_from' }]],
    ]);
  });

  it('refuses what it cannot read, and bodies over the limit', async () => {
    expect((await call('/api/tl/traces/upload', { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await call('/api/tl/traces/upload', { method: 'POST', body: '{"data":[{"spans":[{"traceID":"xyz"}]}]}' })).status).toBe(400);
    const tiny = createQueryHandler({ store, maxUploadBytes: 100 });
    const res = await tiny(new Request('http://x/api/tl/traces/upload', { method: 'POST', body: JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(200) }) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('QUERY_PAYLOAD_TOO_LARGE');
  });
});

describe('/api/tl/logs', () => {
  it('finds a trace\'s log records, newest first, as OTLP/JSON', async () => {
    const { status, body } = await call(`/api/tl/logs?traceId=${t1}`);
    expect(status).toBe(200);
    const records = logsOf(decodeLogsRequest(new TextEncoder().encode(JSON.stringify(body)), 'json').batch);
    expect(records.map((r) => r.body)).toEqual(['charged 12.50 EUR', 'checkout started for order 1001']);
    const errors = await call('/api/tl/logs?severityMin=17');
    expect(logsOf(decodeLogsRequest(new TextEncoder().encode(JSON.stringify(errors.body)), 'json').batch).map((r) => r.severityText)).toEqual(['FATAL', 'ERROR']);
    expect((await call('/api/tl/logs?spanId=xyz')).status).toBe(400);
  });
});
