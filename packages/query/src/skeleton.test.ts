import type { Span } from '@tracelight/core';
import { spanBatchFromSpans, spansOf, StatusCode } from '@tracelight/core';
import { decodeTraceRequest } from '@tracelight/otlp';
import { createMemoryStore } from '@tracelight/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRACE_IDS } from '../../../test/fixtures/index.js';
import { QUERY_NOW, shopStore } from '../../../test/fixtures/query/shop-store.js';
import { decodeSkeleton, SKELETON_CONTENT_TYPE, SkeletonFlag } from './client/skeleton.js';
import type { QueryHandler } from './query-handler.js';
import { createQueryHandler } from './query-handler.js';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
let shop: QueryHandler;
let skewed: QueryHandler;

const SKEW_TRACE = '5c000000000000000000000000000001';
const MS = 1_000_000n;
const T0 = 1_700_000_000_000_000_000n;

beforeAll(async () => {
  shop = createQueryHandler({ store: await shopStore(), now: () => QUERY_NOW });
  const host = (name: string, service: string) => ({ attributes: [{ key: 'service.name', value: service }, { key: 'host.name', value: name }], droppedAttributesCount: 0, schemaUrl: '' });
  const base = { traceId: SKEW_TRACE, traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: StatusCode.UNSET, message: '' }, scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' } };
  const spans: Span[] = [
    { ...base, spanId: '5c00000000000001', parentSpanId: '', name: 'GET /', kind: 2, startTimeUnixNano: T0, endTimeUnixNano: T0 + 100n * MS, resource: host('web-1', 'web') },
    // 50 ms long on a host 30 ms behind: centred in its parent by the adjuster.
    { ...base, spanId: '5c00000000000002', parentSpanId: '5c00000000000001', name: 'query', kind: 2, startTimeUnixNano: T0 - 30n * MS, endTimeUnixNano: T0 + 20n * MS, resource: host('db-1', 'db') },
    { ...base, spanId: '5c00000000000003', parentSpanId: '5c000000000000ff', name: 'lost', kind: 1, startTimeUnixNano: T0 + 10n * MS, endTimeUnixNano: T0 + 11n * MS, resource: host('web-1', 'web'), events: [{ timeUnixNano: T0 + 10n * MS, name: 'e', attributes: [], droppedAttributesCount: 0 }], status: { code: StatusCode.ERROR, message: 'x' } },
  ];
  const own = createMemoryStore();
  await own.writeSpans(spanBatchFromSpans(spans));
  skewed = createQueryHandler({ store: own });
});

async function skeletonOf(handler: QueryHandler, path: string) {
  const res = await handler(new Request(`http://x${path}`));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(SKELETON_CONTENT_TYPE);
  return decodeSkeleton(await res.arrayBuffer());
}

async function fullSpans(handler: QueryHandler, traceId: string): Promise<Span[]> {
  const res = await handler(new Request(`http://x/api/tl/traces/${traceId}`));
  return spansOf(decodeTraceRequest(new Uint8Array(await res.arrayBuffer()), 'json').batch);
}

describe('/api/tl/traces/{id}/skeleton', () => {
  it('holds every span of the full view: ids, parents as earlier rows, relative times, names, services, status', async () => {
    const t1 = TRACE_IDS.t1;
    const sk = await skeletonOf(shop, `/api/tl/traces/${t1}/skeleton`);
    const full = await fullSpans(shop, t1);
    expect(sk.header.spanCount).toBe(full.length);
    expect(sk.header.traceId).toBe(t1);
    const t0 = full.reduce((m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m), full[0].startTimeUnixNano);
    const end = full.reduce((m, s) => (s.endTimeUnixNano > m ? s.endTimeUnixNano : m), 0n);
    expect(sk.header.startTimeUnixNano).toBe(t0.toString());
    expect(sk.header.durationNano).toBe(Number(end - t0));
    expect(sk.header.errorCount).toBe(full.filter((s) => s.status.code === StatusCode.ERROR).length);
    const byId = new Map(full.map((s) => [s.spanId, s]));
    const ids: string[] = [];
    for (let r = 0; r < sk.header.spanCount; r++) {
      const id = hex(sk.spanIds.subarray(8 * r, 8 * r + 8));
      ids.push(id);
      const span = byId.get(id)!;
      expect(span, id).toBeDefined();
      expect(sk.start[r]).toBe(Number(span.startTimeUnixNano - t0));
      expect(sk.duration[r]).toBe(Number(span.endTimeUnixNano - span.startTimeUnixNano));
      expect(sk.header.names[sk.name[r]]).toBe(span.name);
      expect(sk.header.services[sk.service[r]]).toBe(span.resource.attributes.find((a) => a.key === 'service.name')?.value);
      expect(sk.kind[r]).toBe(span.kind);
      expect(sk.status[r]).toBe(span.status.code);
      expect(sk.parent[r] < 0 ? '' : ids[sk.parent[r]]).toBe(span.parentSpanId);
    }
    expect(new Set(ids).size).toBe(full.length);
  });

  it('uses the clock-skew adjusted times (the full view\'s), flags notes, orphans and events; raw=true does not adjust', async () => {
    const sk = await skeletonOf(skewed, `/api/tl/traces/${SKEW_TRACE}/skeleton`);
    const row = (id: string) => [...Array(sk.header.spanCount).keys()].find((r) => hex(sk.spanIds.subarray(8 * r, 8 * r + 8)) === id)!;
    const child = row('5c00000000000002');
    expect(sk.start[child]).toBe(25e6);
    expect(sk.flags[child] & SkeletonFlag.WARNING).toBeTruthy();
    expect(sk.parent[child]).toBe(row('5c00000000000001'));
    const lost = row('5c00000000000003');
    expect(sk.parent[lost]).toBe(-1);
    expect(sk.flags[lost] & (SkeletonFlag.ORPHAN | SkeletonFlag.HAS_EVENTS)).toBe(SkeletonFlag.ORPHAN | SkeletonFlag.HAS_EVENTS);
    expect(sk.header.errorCount).toBe(1);
    expect(sk.header.services).toEqual(['web', 'db']);
    const raw = await skeletonOf(skewed, `/api/tl/traces/${SKEW_TRACE}/skeleton?raw=true`);
    expect(raw.header.startTimeUnixNano).toBe((T0 - 30n * MS).toString());
    expect(raw.flags.every((f) => (f & SkeletonFlag.WARNING) === 0)).toBe(true);
  });

  it('answers 404 for an unknown trace and 400 for a bad id', async () => {
    expect((await shop(new Request(`http://x/api/tl/traces/${'e'.repeat(32)}/skeleton`))).status).toBe(404);
    expect((await shop(new Request('http://x/api/tl/traces/zz/skeleton'))).status).toBe(400);
  });

  it('is refused by the decoder when cut short, of another version, or with a parent that is not an earlier row', async () => {
    const res = await shop(new Request(`http://x/api/tl/traces/${TRACE_IDS.t1}/skeleton`));
    const body = new Uint8Array(await res.arrayBuffer());
    expect(() => decodeSkeleton(body.slice(0, body.length - 1).buffer)).toThrow(/bytes, expected/);
    expect(() => decodeSkeleton(new TextEncoder().encode('{"resourceSpans":[]}').buffer)).toThrow(/magic/);
    const sk = decodeSkeleton(body.slice().buffer);
    const bad = body.slice();
    const parentOffset = sk.parent.byteOffset;
    new DataView(bad.buffer).setInt32(parentOffset, 3, true); // row 0 names row 3
    expect(() => decodeSkeleton(bad.buffer)).toThrow(/row 0 has parent 3/);
  });
});

describe('/api/tl/traces/{id}/spans/{spanId}', () => {
  it('answers one span, adjusted, with its notes; 404 for an unknown span; 400 for a bad span id', async () => {
    const res = await skewed(new Request(`http://x/api/tl/traces/${SKEW_TRACE}/spans/5C00000000000002`));
    expect(res.status).toBe(200);
    const [span] = spansOf(decodeTraceRequest(new Uint8Array(await res.arrayBuffer()), 'json').batch);
    expect(span.spanId).toBe('5c00000000000002');
    expect(span.startTimeUnixNano).toBe(T0 + 25n * MS);
    expect(span.attributes.find((a) => a.key === 'tracelight.warnings')?.value).toEqual(["This span's timestamps were adjusted by 55ms"]);
    expect((await skewed(new Request(`http://x/api/tl/traces/${SKEW_TRACE}/spans/${'1'.repeat(16)}`))).status).toBe(404);
    expect((await skewed(new Request(`http://x/api/tl/traces/${SKEW_TRACE}/spans/xyz`))).status).toBe(400);
  });
});
