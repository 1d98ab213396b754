import { spansOf } from '@tracelight/core';
import type { TracelightError } from '@tracelight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClickHouse } from './testing/index.js';
import { httpQuery, PORTS, startClickHouse } from './testing/index.js';
import { createTraceGenerator } from '../../../test/fixtures/index.js';
import type { ClickHouseStore } from './clickhouse-store.js';
import { createClickHouseStore } from './clickhouse-store.js';

// The cluster under trouble: where a trace lands, reads right after writes, a replica down,
// ZooKeeper down and back. A cluster of its own (2 shards x 2 replicas), since these tests stop
// processes; the tests run in order and each leaves the cluster as the next one expects.
let ch: RunningClickHouse | undefined;
let store: ClickHouseStore;
const base = BigInt(Date.now() - 3_600_000) * 1_000_000n;
let seed = 100;
const batch = (traces: number) => createTraceGenerator({ seed: seed++, startTimeUnixNano: base, spansPerTrace: 8 }).nextBatch(traces);
const traceIds = (b: ReturnType<typeof batch>) => [...new Set(spansOf(b).map((s) => s.traceId))];

beforeAll(async () => {
  ch = await startClickHouse({ mode: 'cluster', basePort: PORTS.clusterFaults });
  store = createClickHouseStore({ url: ch.url, cluster: ch.cluster, database: 'faults', requestTimeoutMs: 20_000 });
  await store.start();
}, 120_000);
afterAll(async () => {
  await store?.shutdown();
  await ch?.stop();
});

describe('clickhouse store on a 2x2 cluster', () => {
  it('puts all spans of a trace on one shard', async () => {
    const b = batch(40);
    await store.writeSpans(b);
    const shards = [ch!.servers[0], ch!.servers[2]];
    const counts = await Promise.all(
      shards.map(async (s) => {
        const rows = await httpQuery(s.url, 'SELECT lower(hex(trace_id)), count() FROM faults.spans_local GROUP BY trace_id FORMAT TSV');
        return new Map(rows.trim().split('\n').filter(Boolean).map((l) => [l.split('\t')[0], Number(l.split('\t')[1])]));
      }),
    );
    for (const id of traceIds(b)) {
      const perShard = counts.map((m) => m.get(id) ?? 0);
      expect(perShard.filter((n) => n > 0)).toEqual([8]);
    }
    expect(counts.every((m) => m.size > 5)).toBe(true);
  });

  it('reads what was acknowledged right after the write, every time', async () => {
    for (let i = 0; i < 15; i++) {
      const b = batch(5);
      await store.writeSpans(b);
      const traces = await store.getTraces(traceIds(b));
      expect(traces.flatMap((t) => t.spans)).toHaveLength(b.length);
      const summaries = await store.getTraceSummaries(traceIds(b));
      expect(summaries.map((s) => s.spanCount)).toEqual(traceIds(b).map(() => 8));
    }
  });

  it('collapses a retried batch (replicated tables drop the identical block; reads collapse the rest)', async () => {
    const b = batch(10);
    await store.writeSpans(b);
    const before = await store.stats();
    await store.writeSpans(b);
    expect((await store.stats()).spanCount).toBe(before.spanCount);
    const hits = await store.findTraceIds({ limit: 10_000 });
    expect(new Set(hits.map((h) => h.traceId)).size).toBe(hits.length);
  });

  it('applies retention across the cluster: whole days dropped, the rest kept', async () => {
    const day = 86_400_000_000_000n;
    const old = createTraceGenerator({ seed: seed++, startTimeUnixNano: base - 3n * day, spansPerTrace: 8 }).nextBatch(6);
    await store.writeSpans(old);
    const before = await store.stats();
    const result = await store.applyRetention({ olderThanUnixNano: base - day });
    expect(result.deletedSpans).toBe(old.length);
    expect(await store.getTraces(traceIds(old))).toEqual([]);
    expect((await store.stats()).spanCount).toBe(before.spanCount - old.length);
    for (const s of ch!.servers) {
      const left = await httpQuery(s.url, `SELECT count() FROM faults.spans_local WHERE start_ns < ${base - day}`);
      expect(left.trim()).toBe('0');
    }
  });

  it('keeps writing and reading with the preferred replica of a shard stopped', async () => {
    await ch!.stopServer(2); // shard 2, replica 1: reads and writes for shard 2 fail over to replica 2
    const b = batch(20);
    await store.writeSpans(b);
    expect((await store.getTraces(traceIds(b))).flatMap((t) => t.spans)).toHaveLength(b.length);
    expect((await store.findTraceIds({ limit: 10_000 })).length).toBeGreaterThanOrEqual(40 + 75 + 10 + 20);
  }, 60_000);

  it('with ZooKeeper gone, refuses writes with a retryable error but still reads; writes work again once it is back', async () => {
    const readable = batch(3);
    await store.writeSpans(readable);
    await ch!.stopZooKeeper();
    const error = (await store.writeSpans(batch(3)).then(() => undefined, (e: unknown) => e)) as TracelightError | undefined;
    expect(error?.retryable).toBe(true);
    expect((await store.getTraces(traceIds(readable))).flatMap((t) => t.spans)).toHaveLength(readable.length);
    await ch!.restartZooKeeper();
    const b = batch(3);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const e = await store.writeSpans(b).then(() => undefined, (err: unknown) => err as TracelightError);
      if (!e) break;
      expect(e.retryable).toBe(true);
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await store.getTraces(traceIds(b))).flatMap((t) => t.spans)).toHaveLength(b.length);
  }, 120_000);
});
