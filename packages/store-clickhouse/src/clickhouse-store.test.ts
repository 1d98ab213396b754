import { EMPTY_SCOPE, SpanKind, spanBatchFromSpans, StatusCode, TracelightError } from '@tracelight/core';
import { describeStoreConformance } from '@tracelight/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClickHouse } from './testing/index.js';
import { dropDatabase, httpQuery, PORTS, startClickHouse } from './testing/index.js';
import { createTraceGenerator } from '../../../test/fixtures/index.js';
import type { ClickHouseStore, ClickHouseStoreOptions } from './clickhouse-store.js';
import { createClickHouseStore } from './clickhouse-store.js';

// The storage conformance suite against a real clickhouse-server (Debian's 18.16), one node,
// started here on its own loopback ports and stopped by pid. Each group gets its own database.
let ch: RunningClickHouse | undefined;
beforeAll(async () => {
  ch = await startClickHouse({ mode: 'single', basePort: PORTS.conformanceSingle });
}, 120_000);
afterAll(async () => {
  await ch?.stop();
});

let next = 0;
describeStoreConformance('clickhouse (single node)', {
  create: async () => createClickHouseStore({ url: ch!.url, database: `conformance_${next++}` }),
  reopen: async (store) => createClickHouseStore({ url: ch!.url, database: (store as ClickHouseStore).database }),
  destroy: async (store) => dropDatabase(ch!, (store as ClickHouseStore).database),
});

// Behaviour beyond the shared suite, on the same server.
describe('clickhouse store', () => {
  const base = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  const open = (database: string, extra: Partial<ClickHouseStoreOptions> = {}) => createClickHouseStore({ url: ch!.url, database, ...extra });
  const cleanup: ClickHouseStore[] = [];
  afterAll(async () => {
    for (const store of cleanup) {
      await store.shutdown();
      await dropDatabase(ch!, store.database);
    }
  });
  const started = async (database: string, extra: Partial<ClickHouseStoreOptions> = {}) => {
    const store = open(database, extra);
    cleanup.push(store);
    await store.start();
    return store;
  };
  const counter = async (event: string) => {
    const rows = await httpQuery(ch!.url, `SELECT value FROM system.events WHERE event = '${event}'`);
    return Number(rows.trim() || '0');
  };

  it('refuses unknown or malformed options at creation', () => {
    expect(() => createClickHouseStore({ url: ch!.url, databse: 'x' } as unknown as ClickHouseStoreOptions)).toThrow(/unknown ClickHouse store option 'databse'/);
    expect(() => createClickHouseStore({ database: 'x; DROP DATABASE y' })).toThrow(TracelightError);
    expect(() => createClickHouseStore({ url: 'ftp://h' })).toThrow(/http/);
    expect(() => createClickHouseStore({ maxPendingSpans: 0 })).toThrow(/maxPendingSpans/);
  });

  it('fails start() with a retryable error when no server answers, and reads before start() fail clearly', async () => {
    const store = createClickHouseStore({ url: 'http://127.0.0.1:9', database: 'nowhere', requestTimeoutMs: 2000 });
    await expect(store.start()).rejects.toMatchObject({ code: 'CLICKHOUSE_UNAVAILABLE', retryable: true });
    await expect(store.getServices()).rejects.toMatchObject({ code: 'STORE_NOT_STARTED' });
    await store.shutdown();
  });

  it('migrates once, records the version, and can start again (also concurrently) without changes', async () => {
    const [a, b] = await Promise.all([started('migrate_twice'), started('migrate_twice')]);
    expect(a.features?.version).toMatch(/^18\.16/);
    const c = await started('migrate_twice');
    const versions = await httpQuery(ch!.url, 'SELECT DISTINCT version FROM migrate_twice.schema_migrations ORDER BY version FORMAT CSV');
    expect(versions.trim()).toBe('1');
    const tables = await httpQuery(ch!.url, "SELECT name FROM system.tables WHERE database = 'migrate_twice' ORDER BY name FORMAT CSV");
    expect(tables.trim().split('\n').map((s) => s.replaceAll('"', ''))).toEqual([
      'logs', 'operations', 'operations_mv', 'resources', 'retention', 'schema_migrations', 'span_index', 'span_index_mv', 'spans', 'spans_input', 'spans_mv',
    ]);
    await a.writeSpans(createTraceGenerator({ seed: 1, startTimeUnixNano: base }).nextBatch(3));
    expect((await b.findTraceIds({})).length).toBe(3);
    expect((await c.stats()).spanCount).toBe(60);
  });

  it('groups concurrent small writes into few inserts, each resolving after the server acknowledged it', async () => {
    const store = await started('group_commit');
    const gen = createTraceGenerator({ seed: 2, startTimeUnixNano: base, spansPerTrace: 1 });
    const batches = Array.from({ length: 200 }, () => gen.nextBatch(1));
    const before = await counter('InsertQuery');
    await Promise.all(batches.map((b) => store.writeSpans(b)));
    const inserts = (await counter('InsertQuery')) - before;
    expect(inserts).toBeGreaterThan(0);
    expect(inserts).toBeLessThan(20);
    expect((await store.stats()).spanCount).toBe(200);
  });

  it('refuses writes beyond its bound with a retryable STORE_BUSY, and takes them again later', async () => {
    const store = await started('busy', { maxPendingSpans: 100 });
    const gen = createTraceGenerator({ seed: 3, startTimeUnixNano: base, spansPerTrace: 10 });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => store.writeSpans(gen.nextBatch(2))));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as TracelightError);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect([e.code, e.retryable]).toEqual(['STORE_BUSY', true]);
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    await store.writeSpans(gen.nextBatch(2));
    expect((await store.stats()).spanCount).toBe((accepted + 1) * 20);
  });

  it('stores and finds hostile strings as plain values', async () => {
    const store = await started('hostile');
    const nasty = ["it's", 'back\\slash', "'; DROP DATABASE hostile; --", 'nul\0byte', 'tab\there\nnewline', 'é😀', '\\x41'];
    const resource = { attributes: [{ key: 'service.name', value: "svc'\\\0" }], droppedAttributesCount: 0, schemaUrl: '' };
    const spans = nasty.map((text, i) => ({
      traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), parentSpanId: '', traceState: '', flags: 0,
      name: text, kind: SpanKind.SERVER, startTimeUnixNano: base + BigInt(i), endTimeUnixNano: base + BigInt(i) + 5n,
      attributes: [{ key: text, value: text }], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
      status: { code: StatusCode.UNSET, message: text }, resource, scope: EMPTY_SCOPE,
    }));
    await store.writeSpans(spanBatchFromSpans(spans));
    expect(await store.getServices()).toEqual(["svc'\\\0"]);
    expect((await store.getOperations({ serviceName: "svc'\\\0" })).map((o) => o.name)).toEqual([...nasty].sort());
    for (const [i, text] of nasty.entries()) {
      const hits = await store.findTraceIds({ serviceName: "svc'\\\0", operationName: text, attributes: [{ key: text, value: text, scope: 'span' }] });
      expect(hits.map((h) => h.traceId)).toEqual([spans[i].traceId]);
    }
    expect(await store.findTraceIds({ operationName: "' OR 1=1 --" })).toEqual([]);
    const [trace] = await store.getTraces([spans[3].traceId]);
    expect(trace.spans).toEqual([spans[3]]);
  });

  it('refuses query values that cannot be written as SQL with STORE_INVALID_QUERY', async () => {
    const store = await started('invalid_values');
    await expect(store.findTraceIds({ spanKind: 1.5 as SpanKind })).rejects.toMatchObject({ code: 'STORE_INVALID_QUERY', retryable: false });
    await expect(store.findLogs({ severityNumberMin: Number.NaN })).rejects.toMatchObject({ code: 'STORE_INVALID_QUERY' });
    await expect(store.getMetrics({ startTimeUnixNano: 0n, endTimeUnixNano: 10n, stepNano: 1n, spanKinds: [Number.POSITIVE_INFINITY as SpanKind] })).rejects.toMatchObject({ code: 'STORE_INVALID_QUERY' });
  });

  it('with retentionDays on a server without TTL, deletes old data on its own schedule', async () => {
    const store = await started('retention_days', { retentionDays: 1, retentionIntervalMs: 200 });
    const old = createTraceGenerator({ seed: 6, startTimeUnixNano: base - 3n * 86_400_000_000_000n }).nextBatch(4);
    const recent = createTraceGenerator({ seed: 7, startTimeUnixNano: base }).nextBatch(4);
    await store.writeSpans(old);
    await store.writeSpans(recent);
    const deadline = Date.now() + 30_000;
    while ((await store.stats()).spanCount !== recent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await store.stats()).spanCount).toBe(recent.length);
    expect((await store.findTraceIds({ limit: 100 })).length).toBe(4);
  });

  it('rejects writes after shutdown, and shutdown waits for acknowledged writes', async () => {
    const store = open('after_shutdown');
    await store.start();
    const write = store.writeSpans(createTraceGenerator({ seed: 4, startTimeUnixNano: base }).nextBatch(5));
    await store.shutdown();
    await write;
    const again = open('after_shutdown');
    cleanup.push(again);
    await again.start();
    expect((await again.stats()).spanCount).toBe(100);
    await expect(store.writeSpans(createTraceGenerator({ seed: 5, startTimeUnixNano: base }).nextBatch(1))).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});
