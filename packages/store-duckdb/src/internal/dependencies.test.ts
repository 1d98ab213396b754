import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Span } from '@tracelight/core';
import { spanBatchFromSpans, spansOf } from '@tracelight/core';
import type { DependencyQuery, Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom, createTraceGenerator } from '../../../../test/fixtures/index.js';
import type { DuckDBStore } from '../duckdb-store.js';
import { createDuckDBStore } from '../duckdb-store.js';

const S = 1_000_000_000n;
const MIN = 60n * S;

/** Spans of `traces` as each service would export them: one batch per service, the entry service last (children before parents). */
function byService(spans: readonly Span[]): Span[][] {
  const groups = new Map<string, Span[]>();
  for (const span of spans) {
    const service = span.resource.attributes.find((kv) => kv.key === 'service.name')!.value as string;
    let list = groups.get(service);
    if (!list) groups.set(service, (list = []));
    list.push(span);
  }
  return [...groups.values()].reverse();
}

describe('duckdb store: dependencies from per-minute counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracelight-deps-'));
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async () => {
    // A small dedup window, so that retried batches get past it and are collapsed at read time.
    const store = createDuckDBStore({ dataDir: dir, memoryLimitBytes: 256 * 1024 * 1024, threads: 2, maxAgeMs: 0, dedupWindowSpans: 1024 });
    stores.push(store);
    await store.start();
    return store;
  };
  /** Waits until the background has counted at least `minutes` minutes. */
  const counted = async (store: DuckDBStore, minutes: number) => {
    const deadline = Date.now() + 30_000;
    while ((await store.stats()).dependencyMinutes < minutes) {
      if (Date.now() > deadline) throw new Error(`only ${(await store.stats()).dependencyMinutes} minutes counted`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('answers as the reference store: cross-batch parents arriving after their children, retries, late spans, retention, restart', { timeout: 120_000 }, async () => {
    const reference = createMemoryStore();
    await reference.start();
    let store = await open();
    // Three hours ago, off the minute: 400 traces over 40 minutes.
    const base = (BigInt(Date.now()) * 1_000_000n) / MIN * MIN - 180n * MIN + 17n * S;
    const gen = createTraceGenerator({ seed: 11, startTimeUnixNano: base, traceIntervalNano: 6n * S, spansPerTrace: 12, errorRate: 0.1 });
    const traces = Array.from({ length: 8 }, () => spansOf(gen.nextBatch(50)));
    const write = async (spans: Span[]) => {
      if (spans.length === 0) return;
      await store.writeSpans(spanBatchFromSpans(spans));
      await reference.writeSpans(spanBatchFromSpans(spans));
    };
    const random = createRandom(5);
    const check = async (label: string) => {
      const queries: DependencyQuery[] = [{ startTimeUnixNano: base - MIN, endTimeUnixNano: base + 60n * MIN }];
      for (let i = 0; i < 12; i++) {
        const from = base + BigInt(random.int(-120, 2500)) * S + BigInt(random.int(0, 999_999_999));
        queries.push({ startTimeUnixNano: from, endTimeUnixNano: from + BigInt(random.int(0, 1800)) * S + BigInt(random.int(0, 999_999_999)) });
      }
      // Whole minutes too, inclusive end on the last nanosecond of one.
      queries.push({ startTimeUnixNano: (base / MIN + 3n) * MIN, endTimeUnixNano: (base / MIN + 9n) * MIN - 1n });
      for (const q of queries) expect(await store.getDependencies(q), `${label}: ${q.startTimeUnixNano - base} +${q.endTimeUnixNano - q.startTimeUnixNano}`).toEqual(await reference.getDependencies(q));
    };

    // Chunks 0-5: by service, children first; chunk 1 is retried after more than the dedup window.
    // Held back: the entry spans of chunk 2 (parents of the rest) and a few spans of chunk 3.
    const held: Span[] = [];
    for (let c = 0; c < 6; c++) {
      const batches = byService(traces[c]);
      for (const [i, batch] of batches.entries()) {
        // (Started 90 s earlier, so that their children are in another minute than they are.)
        if (c === 2 && i === batches.length - 1) held.push(...batch.map((x) => ({ ...x, startTimeUnixNano: x.startTimeUnixNano - 90n * S, endTimeUnixNano: x.endTimeUnixNano - 90n * S })));
        else if (c === 3) {
          held.push(...batch.filter((_, j) => j % 7 === 3));
          await write(batch.filter((_, j) => j % 7 !== 3));
        } else await write(batch);
      }
    }
    await write(byService(traces[1])[0]);
    expect((await reference.getDependencies({ startTimeUnixNano: base, endTimeUnixNano: base + 60n * MIN })).length).toBeGreaterThan(4);
    await check('before counting');
    await counted(store as DuckDBStore, 28);
    await check('counted');

    // Late: the held-back spans, a trace of chunk 6 written whole, and chunk 7 by service.
    await write(held);
    await write(traces[6]);
    for (const batch of byService(traces[7])) await write(batch);
    await check('late spans, not counted again yet');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await counted(store as DuckDBStore, 38);
    await check('late spans counted');

    // Retention: deletes parents of kept children.
    const cutoff = base + 10n * MIN + 7n * S;
    await store.applyRetention({ olderThanUnixNano: cutoff });
    await reference.applyRetention({ olderThanUnixNano: cutoff });
    await check('after retention');
    await counted(store as DuckDBStore, 28);
    await check('after retention, counted again');

    // Restart: counts and watermark are read back; spans written meanwhile are taken into account.
    await store.shutdown();
    store = await open();
    await check('after a restart');
    await write(byService(traces[4])[1]); // retried again
    await check('after a restart and a retry');
  });
});
