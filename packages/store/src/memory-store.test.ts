import { bytesToHex } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { createTraceGenerator } from '../../../test/fixtures/index.js';
import { createMemoryStore } from './memory-store.js';
import { describeStoreConformance } from './testing/index.js';

describeStoreConformance('memory', { create: async () => createMemoryStore() });

const start = BigInt(Date.now()) * 1_000_000n;
const traceIdsOf = (batch: { length: number; traceId: Uint8Array }) => [...new Set(Array.from({ length: batch.length }, (_, i) => bytesToHex(batch.traceId, i * 16, 16)))];

describe('memory store eviction', () => {
  it('drops the oldest traces first and forgets services and operations with their last span', async () => {
    const store = createMemoryStore({ maxSpans: 1000 });
    await store.start();
    const old = createTraceGenerator({ seed: 1, startTimeUnixNano: start, servicePrefix: 'old-' });
    const fresh = createTraceGenerator({ seed: 2, startTimeUnixNano: start, servicePrefix: 'new-' });
    const oldBatch = old.nextBatch(30); // 600 spans
    const oldIds = traceIdsOf(oldBatch);
    await store.writeSpans(oldBatch);
    await store.writeSpans(fresh.nextBatch(30)); // 1,200 held: the 10 oldest traces go
    expect((await store.stats()).spanCount).toBe(1000);
    expect((await store.getTraces(oldIds)).map((t) => t.traceId)).toEqual(oldIds.slice(10));
    expect(await store.getServices()).toContain('old-frontend');

    await store.writeSpans(fresh.nextBatch(20)); // every old trace goes
    expect((await store.stats()).spanCount).toBe(1000);
    expect(await store.getTraces(oldIds)).toEqual([]);
    const services = await store.getServices();
    expect(services.length).toBeGreaterThan(0);
    expect(services.every((s) => s.startsWith('new-'))).toBe(true);
    expect(await store.getOperations({ serviceName: 'old-frontend' })).toEqual([]);
    expect((await store.findTraceIds({ serviceName: 'old-frontend' })).length).toBe(0);
  });

  it('evicts a trace deleted and written again by its new arrival, not the old one', async () => {
    const store = createMemoryStore({ maxSpans: 40 });
    const gen = createTraceGenerator({ seed: 3, startTimeUnixNano: start });
    const first = gen.nextBatch(1);
    await store.writeSpans(first);
    await store.applyRetention({ olderThanUnixNano: start + 10n ** 15n });
    expect((await store.stats()).spanCount).toBe(0);
    await store.writeSpans(gen.nextBatch(1));
    await store.writeSpans(first); // back, now the newest
    await store.writeSpans(gen.nextBatch(1)); // 60 held: the oldest arrival (the second trace) goes
    expect((await store.getTraces(traceIdsOf(first))).length).toBe(1);
    expect((await store.stats()).spanCount).toBe(40);
  });

  it('takes about as long per write when full as before (eviction is O(evicted), not a scan)', { timeout: 120_000 }, async () => {
    const maxSpans = 100_000;
    const store = createMemoryStore({ maxSpans });
    const gen = createTraceGenerator({ seed: 4, startTimeUnixNano: start });
    const batches = Array.from({ length: 260 }, () => gen.nextBatch(25)); // 500 spans each, 130k in all
    const times: number[] = [];
    for (const batch of batches) {
      const t = performance.now();
      await store.writeSpans(batch);
      times.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Writes 100-180 fill the store; 200-260 each evict 500 spans. A scan of the 100k spans
    // held made them ~30x slower; allow a wide margin for a busy machine.
    const beforeFull = median(times.slice(100, 180));
    const whenFull = median(times.slice(200));
    expect((await store.stats()).spanCount).toBe(maxSpans);
    expect(whenFull).toBeLessThan(beforeFull * 5 + 2);
  });
});
