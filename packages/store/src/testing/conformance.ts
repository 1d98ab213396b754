import type { LogRecord, Span, SpanBatch } from '@tracelight/core';
import { anyValueToString, logBatchFromRecords, SpanKind, spanBatchFromSpans, spansOf, TracelightError } from '@tracelight/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopFixture } from '../../../../test/fixtures/index.js';
import { createTraceGenerator, largeTrace, shop, SHOP_SERVICES } from '../../../../test/fixtures/index.js';
import type { MetricsQuery, MetricsSeries, Store, TraceQuery } from '../contract.js';
import { StoreErrorCode } from '../contract.js';
import { createMemoryStore } from '../memory-store.js';
import { normalizeMetricsQuery } from '../query.js';

export interface StoreConformanceOptions {
  /** A new, empty, not yet started store. Called once per group of tests. */
  create(): Promise<Store>;
  /** Removes what `create` made (the store is already shut down). */
  destroy?(store: Store): Promise<void>;
  /**
   * Opens the data of a store made by `create` again after its shutdown. Given for durable
   * stores: the suite then checks that data written before a restart reads back.
   */
  reopen?(store: Store): Promise<Store>;
  /** Per test and hook. Default 120 s. */
  timeoutMs?: number;
}

const MS = 1_000_000n;
const S = 1_000_000_000n;

/** A minute-aligned time an hour ago: recent enough that no default retention removes the data. */
function recentBase(): bigint {
  return BigInt(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000) * MS;
}

/** The text form of the first value of attribute `key` in the batch. */
function textOf(batch: SpanBatch, key: string): string {
  for (const attributes of batch.attributes) for (const kv of attributes) if (kv.key === key) return anyValueToString(kv.value);
  throw new Error(`no attribute ${key}`);
}

const bySpanId = (a: Span, b: Span) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
const sorted = (spans: readonly Span[]) => [...spans].sort(bySpanId);

/**
 * Registers the storage conformance suite (vitest `describe`/`it` blocks) for one store. Every
 * store runs it; see test/fixtures/shop.ts for the data and why each answer is what it is.
 */
export function describeStoreConformance(name: string, options: StoreConformanceOptions): void {
  const timeout = options.timeoutMs ?? 120_000;

  /** A started store, shut down and destroyed after the enclosing describe. */
  const useStore = (setup?: (store: Store) => Promise<void>) => {
    const ref: { store: Store } = { store: undefined as unknown as Store };
    beforeAll(async () => {
      ref.store = await options.create();
      await ref.store.start();
      if (setup) await setup(ref.store);
    }, timeout);
    afterAll(async () => {
      if (!ref.store) return;
      await ref.store.shutdown();
      await options.destroy?.(ref.store);
    }, timeout);
    return ref;
  };

  describe(`${name}: storage conformance`, () => {
    describe('the shop scenario', () => {
      const fx: ShopFixture = shop(recentBase());
      const { base, ids } = fx;
      const { t1, t2, t4, t6 } = fx.traces;
      const s = useStore(async (store) => {
        for (const write of fx.writes) await store.writeSpans(spanBatchFromSpans(write));
        await store.writeLogs(logBatchFromRecords(Object.values(fx.logs)));
      });
      const find = async (query: TraceQuery) => (await s.store.findTraceIds(query)).map((r) => r.traceId);

      it('lists exactly the services written', { timeout }, async () => {
        expect(await s.store.getServices()).toEqual([...SHOP_SERVICES]);
      });

      it('lists operations with their span kinds, one name with two kinds twice', { timeout }, async () => {
        expect(await s.store.getOperations({ serviceName: 'frontend' })).toEqual([
          { name: 'GET /checkout', spanKind: SpanKind.SERVER },
          { name: 'GET /retry', spanKind: SpanKind.SERVER },
          { name: 'GET /search', spanKind: SpanKind.SERVER },
          { name: 'POST', spanKind: SpanKind.CLIENT },
          { name: 'rank results', spanKind: SpanKind.INTERNAL },
        ]);
        expect(await s.store.getOperations({ serviceName: 'checkout' })).toEqual([
          { name: 'GET /api/retry', spanKind: SpanKind.SERVER },
          { name: 'POST /api/checkout', spanKind: SpanKind.SERVER },
          { name: 'charge', spanKind: SpanKind.INTERNAL },
          { name: 'charge', spanKind: SpanKind.CLIENT },
          { name: 'db SELECT', spanKind: SpanKind.CLIENT },
          { name: 'reserve stock', spanKind: SpanKind.INTERNAL },
        ]);
        expect(await s.store.getOperations({ serviceName: 'inventory' })).toEqual([
          { name: 'GET /stock', spanKind: SpanKind.SERVER },
          { name: 'async cleanup', spanKind: SpanKind.INTERNAL },
          { name: 'lookup', spanKind: SpanKind.INTERNAL },
          { name: 'reserve', spanKind: SpanKind.SERVER },
        ]);
      });

      it('filters operations by span kind; an unknown service has none', { timeout }, async () => {
        expect(await s.store.getOperations({ serviceName: 'checkout', spanKind: SpanKind.CLIENT })).toEqual([
          { name: 'charge', spanKind: SpanKind.CLIENT },
          { name: 'db SELECT', spanKind: SpanKind.CLIENT },
        ]);
        expect(await s.store.getOperations({ serviceName: 'frontend', spanKind: SpanKind.PRODUCER })).toEqual([]);
        expect(await s.store.getOperations({ serviceName: 'no-such-service' })).toEqual([]);
      });

      it('reads a trace back exactly', { timeout }, async () => {
        const [trace, ...rest] = await s.store.getTraces([ids.t1]);
        expect(rest).toEqual([]);
        expect(trace.traceId).toBe(ids.t1);
        expect(sorted(trace.spans)).toEqual(sorted(t1));
      });

      it('keeps every value type, event, link and field of a span (full fidelity)', { timeout }, async () => {
        const [trace] = await s.store.getTraces([ids.t4]);
        expect(sorted(trace.spans)).toEqual(sorted(t4));
      });

      it('reads several traces at once; unknown and malformed ids are left out, not errors', { timeout }, async () => {
        const traces = await s.store.getTraces([ids.t2, 'f'.repeat(32), ids.t1, 'not-a-trace-id', ids.t1]);
        expect(traces.map((t) => t.traceId).sort()).toEqual([ids.t1, ids.t2]);
        expect(sorted(traces.find((t) => t.traceId === ids.t2)!.spans)).toEqual(sorted(t2));
        expect(await s.store.getTraces(['f'.repeat(32)])).toEqual([]);
        expect(await s.store.getTraces([])).toEqual([]);
      });

      it('accepts upper-case hex trace ids', { timeout }, async () => {
        const [trace] = await s.store.getTraces([ids.t1.toUpperCase()]);
        expect(trace.traceId).toBe(ids.t1);
        expect(trace.spans).toHaveLength(t1.length);
      });

      it('reads a span written several times (retries) once per (trace id, span id)', { timeout }, async () => {
        const [trace] = await s.store.getTraces([ids.t6]);
        expect(sorted(trace.spans)).toEqual(sorted(t6));
      });

      describe('search', () => {
        it('by service, most recent first', { timeout }, async () => {
          expect(await find({ serviceName: 'frontend' })).toEqual([ids.t6, ids.t5, ids.t2, ids.t1]);
          const refs = await s.store.findTraceIds({ serviceName: 'frontend' });
          expect(refs[0].startTimeUnixNano).toBe(base + 360n * S);
        });

        it('by service with a limit (number of traces)', { timeout }, async () => {
          expect(await find({ serviceName: 'frontend', limit: 2 })).toEqual([ids.t6, ids.t5]);
          expect(await find({ limit: 1 })).toEqual([ids.t8]);
        });

        it('by service and operation; the hit carries its matching span start', { timeout }, async () => {
          const refs = await s.store.findTraceIds({ serviceName: 'checkout', operationName: 'POST /api/checkout' });
          expect(refs).toEqual([
            { traceId: ids.t2, startTimeUnixNano: base + 120n * S + 7n * MS },
            { traceId: ids.t1, startTimeUnixNano: base + 60n * S + 7n * MS },
          ]);
        });

        it('by operation without a service', { timeout }, async () => {
          expect(await find({ operationName: 'charge' })).toEqual([ids.t6, ids.t2, ids.t1]);
        });

        it('without any condition', { timeout }, async () => {
          expect(await find({})).toEqual([ids.t8, ids.t6, ids.t5, ids.t4, ids.t3, ids.t2, ids.t1]);
        });

        it('by span kind and by error status', { timeout }, async () => {
          expect(await find({ serviceName: 'checkout', spanKind: SpanKind.CLIENT })).toEqual([ids.t6, ids.t2, ids.t1]);
          expect(await find({ errorOnly: true })).toEqual([ids.t2]);
          expect(await find({ serviceName: 'inventory', errorOnly: true })).toEqual([]);
        });

        it('an unknown service finds nothing', { timeout }, async () => {
          expect(await find({ serviceName: 'no-such-service' })).toEqual([]);
        });

        it('by span attribute: strings, ints and doubles by their text form', { timeout }, async () => {
          expect(await find({ serviceName: 'payment', attributes: [{ key: 'payment.currency', value: 'EUR', scope: 'span' }] })).toEqual([ids.t1]);
          expect(await find({ attributes: [{ key: 'http.response.status_code', value: '500' }] })).toEqual([ids.t2]);
          expect(await find({ attributes: [{ key: 'payment.amount', value: '12.5' }] })).toEqual([ids.t1]);
          expect(await find({ attributes: [{ key: 'payment.amount', value: '99.99', scope: 'span' }] })).toEqual([ids.t2]);
          expect(await find({ attributes: [{ key: 'int.max', value: '9223372036854775807' }] })).toEqual([ids.t4]);
          expect(await find({ attributes: [{ key: 'bool.t', value: 'true' }] })).toEqual([ids.t4]);
          expect(await find({ attributes: [{ key: 'payment.currency', value: 'eur' }] })).toEqual([]);
        });

        it('by resource attribute, only where the scope says', { timeout }, async () => {
          expect(await find({ attributes: [{ key: 'deployment.environment.name', value: 'staging', scope: 'resource' }] })).toEqual([ids.t3]);
          expect(await find({ attributes: [{ key: 'deployment.environment.name', value: 'staging', scope: 'span' }] })).toEqual([]);
          expect(await find({ attributes: [{ key: 'deployment.environment.name', value: 'staging' }] })).toEqual([ids.t3]);
          expect(await find({ serviceName: 'inventory', attributes: [{ key: 'deployment.environment.name', value: 'production', scope: 'resource' }] })).toEqual([ids.t8, ids.t1]);
        });

        it('by event attribute, only where the scope says', { timeout }, async () => {
          expect(await find({ attributes: [{ key: 'cache.key', value: 'sku-42', scope: 'event' }] })).toEqual([ids.t1]);
          expect(await find({ attributes: [{ key: 'cache.key', value: 'sku-42', scope: 'span' }] })).toEqual([]);
          expect(await find({ attributes: [{ key: 'cache.key', value: 'sku-42' }] })).toEqual([ids.t1]);
          expect(await find({ attributes: [{ key: 'exception.type', value: 'CardDeclined' }] })).toEqual([ids.t2]);
          expect(await find({ attributes: [{ key: 'cache.key', value: 'sku-42', scope: 'resource' }] })).toEqual([]);
        });

        it('several attributes are ANDed on one span, across scopes', { timeout }, async () => {
          expect(
            await find({ serviceName: 'checkout', attributes: [{ key: 'user.tier', value: 'gold' }, { key: 'http.request.method', value: 'POST' }] }),
          ).toEqual([ids.t1]);
          // Both hold in T1, but on different spans.
          expect(await find({ attributes: [{ key: 'user.tier', value: 'gold' }, { key: 'payment.currency', value: 'EUR' }] })).toEqual([]);
          expect(
            await find({ attributes: [{ key: 'rpc.method', value: 'Charge', scope: 'span' }, { key: 'cloud.region', value: 'eu-west-1', scope: 'resource' }] }),
          ).toEqual([ids.t2, ids.t1]);
          // The service and the attribute must hold on the same span too.
          expect(await find({ serviceName: 'frontend', attributes: [{ key: 'user.tier', value: 'gold' }] })).toEqual([]);
        });

        it('by duration: min, max, both; bounds inclusive', { timeout }, async () => {
          expect(await find({ serviceName: 'frontend', durationMinNano: 1n * S })).toEqual([ids.t5]);
          expect(await find({ serviceName: 'inventory', durationMaxNano: 6n * MS })).toEqual([ids.t8, ids.t3]);
          expect(await find({ durationMinNano: 40n * MS, durationMaxNano: 50n * MS })).toEqual([ids.t1]);
          expect(await find({ durationMinNano: 10n * S })).toEqual([]);
        });

        it('by time window on span start; bounds inclusive', { timeout }, async () => {
          const window = { startTimeMinUnixNano: base + 100n * S, startTimeMaxUnixNano: base + 310n * S };
          expect(await find(window)).toEqual([ids.t5, ids.t4, ids.t3, ids.t2]);
          expect(await find({ ...window, serviceName: 'frontend' })).toEqual([ids.t5, ids.t2]);
          expect(await find({ startTimeMinUnixNano: base + 120n * S, startTimeMaxUnixNano: base + 120n * S })).toEqual([ids.t2]);
          expect(await find({ startTimeMaxUnixNano: base })).toEqual([]);
        });

        it('does not count a retried span twice (limit still means traces)', { timeout }, async () => {
          expect(await find({ serviceName: 'checkout', limit: 2 })).toEqual([ids.t6, ids.t2]);
        });

        it('rejects invalid queries with STORE_INVALID_QUERY', { timeout }, async () => {
          await expect(s.store.findTraceIds({ limit: 0 })).rejects.toMatchObject({ code: StoreErrorCode.INVALID_QUERY });
          await expect(s.store.findTraceIds({ durationMinNano: 2n, durationMaxNano: 1n })).rejects.toMatchObject({ code: StoreErrorCode.INVALID_QUERY });
        });
      });

      it('summarises traces for a result list, counting retried spans once', { timeout }, async () => {
        const summaries = await s.store.getTraceSummaries([ids.t2, 'f'.repeat(32), ids.t1, ids.t6]);
        expect(summaries).toEqual([
          {
            traceId: ids.t2, rootServiceName: 'frontend', rootSpanName: 'GET /checkout', startTimeUnixNano: base + 120n * S,
            durationNano: 80n * MS, spanCount: 5, errorCount: 3,
            services: [{ serviceName: 'checkout', spanCount: 2, errorCount: 1 }, { serviceName: 'frontend', spanCount: 2, errorCount: 1 }, { serviceName: 'payment', spanCount: 1, errorCount: 1 }],
          },
          {
            traceId: ids.t1, rootServiceName: 'frontend', rootSpanName: 'GET /checkout', startTimeUnixNano: base + 60n * S,
            durationNano: 120n * MS, spanCount: 7, errorCount: 0,
            services: [
              { serviceName: 'checkout', spanCount: 3, errorCount: 0 }, { serviceName: 'frontend', spanCount: 2, errorCount: 0 },
              { serviceName: 'inventory', spanCount: 1, errorCount: 0 }, { serviceName: 'payment', spanCount: 1, errorCount: 0 },
            ],
          },
          {
            traceId: ids.t6, rootServiceName: 'frontend', rootSpanName: 'GET /retry', startTimeUnixNano: base + 360n * S,
            durationNano: 30n * MS, spanCount: 4, errorCount: 0,
            services: [{ serviceName: 'checkout', spanCount: 3, errorCount: 0 }, { serviceName: 'frontend', spanCount: 1, errorCount: 0 }],
          },
        ]);
      });

      it('summarises a trace whose root is missing by its earliest span', { timeout }, async () => {
        const [t8, t4s] = await s.store.getTraceSummaries([ids.t8, ids.t4]);
        expect([t8.rootServiceName, t8.rootSpanName, t8.spanCount]).toEqual(['inventory', 'async cleanup', 2]);
        expect([t4s.rootServiceName, t4s.rootSpanName]).toEqual(['orders', 'publish order']);
        expect(t4s.durationNano).toBe(t4[1].endTimeUnixNano - t4[0].startTimeUnixNano);
      });

      describe('dependencies', () => {
        it('counts calls between services once per child span, with errors', { timeout }, async () => {
          if (!s.store.capabilities.dependencies) return;
          expect(await s.store.getDependencies({ startTimeUnixNano: base, endTimeUnixNano: base + 600n * S })).toEqual([
            { parent: 'checkout', child: 'inventory', callCount: 1, errorCount: 0 },
            { parent: 'checkout', child: 'payment', callCount: 2, errorCount: 1 },
            { parent: 'frontend', child: 'checkout', callCount: 3, errorCount: 1 },
            { parent: 'orders', child: 'fulfilment', callCount: 1, errorCount: 0 },
          ]);
        });

        it('within a time window', { timeout }, async () => {
          if (!s.store.capabilities.dependencies) return;
          expect(await s.store.getDependencies({ startTimeUnixNano: base + 100n * S, endTimeUnixNano: base + 200n * S })).toEqual([
            { parent: 'checkout', child: 'payment', callCount: 1, errorCount: 1 },
            { parent: 'frontend', child: 'checkout', callCount: 1, errorCount: 1 },
          ]);
          expect(await s.store.getDependencies({ startTimeUnixNano: base - 100n * S, endTimeUnixNano: base })).toEqual([]);
        });
      });

      describe('span-derived metrics', () => {
        const durations = (spans: Span[]) => spans.map((x) => x.endTimeUnixNano - x.startTimeUnixNano);

        it('per service in time steps: calls, errors, latency quantiles; retried spans once', { timeout }, async () => {
          if (!s.store.capabilities.metrics) return;
          const query: MetricsQuery = { serviceNames: ['frontend'], startTimeUnixNano: base, endTimeUnixNano: base + 600n * S, stepNano: 60n * S };
          const series = await s.store.getMetrics(query);
          expect(series.map((x) => [x.serviceName, x.operationName])).toEqual([['frontend', undefined]]);
          const fr = (trace: Span[]) => trace.filter((x) => x.resource.attributes[0].value === 'frontend');
          expectPoints(series[0], query, [
            { k: 1n, calls: 2, errors: 0, durations: durations(fr(t1)) },
            { k: 2n, calls: 2, errors: 1, durations: durations(fr(t2)) },
            { k: 5n, calls: 2, errors: 0, durations: durations(fr(fx.traces.t5)) },
            { k: 6n, calls: 1, errors: 0, durations: durations(fr(t6)) },
          ]);
        });

        it('per operation, for some span kinds; the end of the range is exclusive', { timeout }, async () => {
          if (!s.store.capabilities.metrics) return;
          const query: MetricsQuery = {
            serviceNames: ['checkout'], groupByOperation: true, spanKinds: [SpanKind.SERVER],
            startTimeUnixNano: base, endTimeUnixNano: base + 600n * S, stepNano: 60n * S, quantiles: [0.5, 0.99],
          };
          const series = await s.store.getMetrics(query);
          expect(series.map((x) => [x.serviceName, x.operationName])).toEqual([['checkout', 'GET /api/retry'], ['checkout', 'POST /api/checkout']]);
          expectPoints(series[0], query, [{ k: 6n, calls: 1, errors: 0, durations: [23n * MS] }]);
          expectPoints(series[1], query, [
            { k: 1n, calls: 1, errors: 0, durations: [95n * MS] },
            { k: 2n, calls: 1, errors: 1, durations: [61n * MS] },
          ]);
          const edge = await s.store.getMetrics({ serviceNames: ['frontend'], startTimeUnixNano: base + 60n * S, endTimeUnixNano: base + 120n * S, stepNano: 60n * S });
          expect(edge.map((x) => x.points.map((p) => [p.timeUnixNano, p.callCount]))).toEqual([[[base + 60n * S, 2]]]);
        });

        it('for every service at once', { timeout }, async () => {
          if (!s.store.capabilities.metrics) return;
          const series = await s.store.getMetrics({ startTimeUnixNano: base, endTimeUnixNano: base + 600n * S, stepNano: 600n * S });
          expect(series.map((x) => [x.serviceName, x.points.map((p) => p.callCount)])).toEqual([
            ['checkout', [8]], ['frontend', [7]], ['fulfilment', [1]], ['inventory', [5]], ['orders', [1]], ['payment', [2]],
          ]);
          await expect(s.store.getMetrics({ startTimeUnixNano: base, endTimeUnixNano: base, stepNano: 0n })).rejects.toMatchObject({ code: StoreErrorCode.INVALID_QUERY });
        });
      });

      describe('logs', () => {
        const L = fx.logs;
        it('by trace id, and by trace id and span id, newest first', { timeout }, async () => {
          if (!s.store.capabilities.logs) return;
          expect(await s.store.findLogs({ traceId: ids.t1 })).toEqual([L.l2, L.l1]);
          expect(await s.store.findLogs({ traceId: ids.t1, spanId: fx.spanIds['t1.s5'] })).toEqual([L.l2]);
          expect(await s.store.findLogs({ traceId: ids.t1.toUpperCase(), spanId: fx.spanIds['t1.s5'].toUpperCase() })).toEqual([L.l2]);
          expect(await s.store.findLogs({ traceId: 'f'.repeat(32) })).toEqual([]);
          expect(await s.store.findLogs({ traceId: 'nope' })).toEqual([]);
        });

        it('by service, severity and text', { timeout }, async () => {
          if (!s.store.capabilities.logs) return;
          expect(await s.store.findLogs({ serviceName: 'payment' })).toEqual([L.l3, L.l2]);
          expect(await s.store.findLogs({ severityNumberMin: 13 })).toEqual([L.l7, L.l4, L.l3]);
          expect(await s.store.findLogs({ serviceName: 'checkout', severityNumberMin: 13 })).toEqual([L.l4]);
          expect(await s.store.findLogs({ text: 'ORDER' })).toEqual([L.l3, L.l1]);
          expect(await s.store.findLogs({ text: 'heartbeat' })).toEqual([L.l5]);
          expect(await s.store.findLogs({ text: 'cache warmed' })).toEqual([L.l6]);
        });

        it('by time window (the observed time when a record has none), with a limit', { timeout }, async () => {
          if (!s.store.capabilities.logs) return;
          expect(await s.store.findLogs({ startTimeMinUnixNano: base + 100n * S, startTimeMaxUnixNano: base + 300n * S })).toEqual([L.l6, L.l5, L.l4, L.l3]);
          expect(await s.store.findLogs({ limit: 2 })).toEqual([L.l7, L.l6]);
          expect(await s.store.findLogs({})).toEqual([L.l7, L.l6, L.l5, L.l4, L.l3, L.l2, L.l1]);
        });
      });

      it('reports its size', { timeout }, async () => {
        const stats = await s.store.stats();
        expect(stats.spanCount).toBeGreaterThanOrEqual(24);
        expect(stats.logCount).toBe(s.store.capabilities.logs ? 7 : 0);
        expect(stats.bytes).toBeGreaterThan(0);
      });
    });

    describe('a 10,008-span trace', () => {
      const base = recentBase();
      const traceId = 'b1000000000000000000000000010008';
      const pieces = largeTrace(base, traceId);
      const s = useStore(async (store) => {
        for (const piece of pieces) await store.writeSpans(spanBatchFromSpans(piece));
      });

      it('reads back whole', { timeout }, async () => {
        const [trace] = await s.store.getTraces([traceId]);
        expect(trace.spans).toHaveLength(10_008);
        expect(sorted(trace.spans)).toEqual(sorted(pieces.flat()));
      });

      it('is found and summarised', { timeout }, async () => {
        expect((await s.store.findTraceIds({ serviceName: 'checkout', operationName: 'bulk item' })).map((r) => r.traceId)).toEqual([traceId]);
        const [summary] = await s.store.getTraceSummaries([traceId]);
        expect([summary.spanCount, summary.errorCount, summary.rootSpanName]).toEqual([10_008, 10, 'GET /bulk']);
      });
    });

    describe('generated traces agree with the reference semantics', () => {
      const base = recentBase();
      const generator = createTraceGenerator({ seed: 7, startTimeUnixNano: base, traceIntervalNano: 2n * S, servicePrefix: 'gen-' });
      const batches: SpanBatch[] = [generator.nextBatch(60), generator.nextBatch(60), generator.nextBatch(60)];
      const reference = createMemoryStore();
      const s = useStore(async (store) => {
        await reference.start();
        for (const batch of batches) {
          await store.writeSpans(batch);
          await reference.writeSpans(batch);
        }
        // A retry of the middle batch: nothing may change.
        await store.writeSpans(batches[1]);
      });
      const svc = generator.services;
      const queries: [string, TraceQuery][] = [
        ['service', { serviceName: svc[0] }],
        ['service, limit 7', { serviceName: svc[2], limit: 7 }],
        ['service and operation', { serviceName: svc[0], operationName: spansOf(batches[0])[0].name }],
        ['database spans of a service', { serviceName: svc[4], spanKind: SpanKind.CLIENT, limit: 50 }],
        ['int attribute', { attributes: [{ key: 'http.response.status_code', value: '503' }], limit: 100 }],
        ['string attribute, any scope', { attributes: [{ key: 'db.collection.name', value: 'orders' }], limit: 100 }],
        ['two attributes', { attributes: [{ key: 'db.operation.name', value: 'UPDATE' }, { key: 'db.collection.name', value: 'stock' }], limit: 100 }],
        ['bool attribute', { serviceName: svc[1], attributes: [{ key: 'app.query.cached', value: 'true', scope: 'span' }], limit: 100 }],
        ['double attribute', { attributes: [{ key: 'app.discount.ratio', value: textOf(batches[2], 'app.discount.ratio') }], limit: 100 }],
        ['resource attribute', { attributes: [{ key: 'host.name', value: 'node-1', scope: 'resource' }], limit: 100 }],
        ['event attribute', { attributes: [{ key: 'retry.attempt', value: '2', scope: 'event' }], limit: 100 }],
        ['min duration', { durationMinNano: 300n * MS, limit: 100 }],
        ['duration range and service', { serviceName: svc[3], durationMinNano: 5n * MS, durationMaxNano: 50n * MS, limit: 100 }],
        ['time window', { startTimeMinUnixNano: base + 100n * S, startTimeMaxUnixNano: base + 200n * S, limit: 100 }],
        ['errors', { errorOnly: true, limit: 100 }],
        ['everything', { limit: 1000 }],
      ];
      for (const [label, query] of queries) {
        it(`search: ${label}`, { timeout }, async () => {
          const expected = await reference.findTraceIds(query);
          expect(expected.length).toBeGreaterThan(0);
          expect(await s.store.findTraceIds(query)).toEqual(expected);
        });
      }

      it('summaries', { timeout }, async () => {
        const ids = (await reference.findTraceIds({ limit: 1000 })).map((r) => r.traceId);
        expect(await s.store.getTraceSummaries(ids)).toEqual(await reference.getTraceSummaries(ids));
      });

      it('traces', { timeout }, async () => {
        const ids = (await reference.findTraceIds({ limit: 30 })).map((r) => r.traceId);
        const got = await s.store.getTraces(ids);
        const want = await reference.getTraces(ids);
        expect(got.map((t) => t.traceId).sort()).toEqual(want.map((t) => t.traceId).sort());
        for (const t of want) expect(sorted(got.find((g) => g.traceId === t.traceId)!.spans)).toEqual(sorted(t.spans));
      });

      it('services and operations', { timeout }, async () => {
        expect(await s.store.getServices()).toEqual(await reference.getServices());
        for (const serviceName of svc) expect(await s.store.getOperations({ serviceName })).toEqual(await reference.getOperations({ serviceName }));
      });

      it('dependencies', { timeout }, async () => {
        if (!s.store.capabilities.dependencies) return;
        const q = { startTimeUnixNano: base + 30n * S, endTimeUnixNano: base + 300n * S };
        const expected = await reference.getDependencies(q);
        expect(expected.length).toBeGreaterThan(3);
        expect(await s.store.getDependencies(q)).toEqual(expected);
      });

      it('metrics', { timeout }, async () => {
        if (!s.store.capabilities.metrics) return;
        const query: MetricsQuery = { groupByOperation: true, startTimeUnixNano: base, endTimeUnixNano: base + 360n * S, stepNano: 60n * S };
        const got = await s.store.getMetrics(query);
        const want = await reference.getMetrics(query);
        expect(got.map((x) => [x.serviceName, x.operationName])).toEqual(want.map((x) => [x.serviceName, x.operationName]));
        const spans = batches.flatMap(spansOf);
        for (let i = 0; i < want.length; i++) {
          expect(got[i].points.map((p) => [p.timeUnixNano, p.callCount, p.errorCount])).toEqual(want[i].points.map((p) => [p.timeUnixNano, p.callCount, p.errorCount]));
          const mine = spans.filter((x) => x.resource.attributes[0].value === want[i].serviceName && x.name === want[i].operationName);
          expectPoints(got[i], query, want[i].points.map((p) => {
            const k = (p.timeUnixNano - base) / query.stepNano;
            const inBucket = mine.filter((x) => (x.startTimeUnixNano - base) / query.stepNano === k);
            return { k, calls: p.callCount, errors: p.errorCount, durations: inBucket.map((x) => x.endTimeUnixNano - x.startTimeUnixNano) };
          }));
        }
      });
    });

    describe('retention', () => {
      const base = recentBase();
      const gen = (seed: number, at: bigint, traces: number) => createTraceGenerator({ seed, startTimeUnixNano: at, traceIntervalNano: 10n * MS }).nextBatch(traces);

      describe('by age', () => {
        const old = gen(11, base - 2n * 3600n * S, 5);
        const recent = gen(12, base, 5);
        const logAt = (t: bigint, body: string): LogRecord => ({
          timeUnixNano: t, observedTimeUnixNano: t, severityNumber: 9, severityText: 'INFO', body, attributes: [], droppedAttributesCount: 0,
          flags: 0, traceId: '', spanId: '', eventName: '', resource: old.resources[0], scope: old.scopes[0],
        });
        const s = useStore(async (store) => {
          await store.writeSpans(old);
          await store.writeSpans(recent);
          if (store.capabilities.logs) await store.writeLogs(logBatchFromRecords([logAt(base - 2n * 3600n * S, 'old'), logAt(base, 'new')]));
        });

        it('deletes spans and logs older than the cut-off, keeps the rest', { timeout }, async () => {
          if (!s.store.capabilities.retentionByAge) return;
          const result = await s.store.applyRetention({ olderThanUnixNano: base - 3600n * S });
          expect(result).toEqual({ deletedSpans: old.length, deletedLogs: s.store.capabilities.logs ? 1 : 0 });
          const oldIds = [...new Set(spansOf(old).map((x) => x.traceId))];
          const newIds = [...new Set(spansOf(recent).map((x) => x.traceId))];
          expect(await s.store.getTraces(oldIds)).toEqual([]);
          expect((await s.store.getTraces(newIds)).flatMap((t) => t.spans)).toHaveLength(recent.length);
          expect((await s.store.findTraceIds({ limit: 100 })).map((r) => r.traceId).sort()).toEqual(newIds.sort());
          if (s.store.capabilities.logs) expect((await s.store.findLogs({})).map((r) => r.body)).toEqual(['new']);
          expect((await s.store.stats()).spanCount).toBe(recent.length);
        });
      });

      describe('by size', () => {
        const hours = [6n, 5n, 4n, 3n, 2n, 1n].map((h, i) => gen(20 + i, base - h * 3600n * S, 20));
        const s = useStore(async (store) => {
          for (const batch of hours) await store.writeSpans(batch);
        });

        it('drops the oldest data first until the store is under the bound', { timeout }, async () => {
          if (!s.store.capabilities.retentionBySize) return;
          const before = await s.store.stats();
          const result = await s.store.applyRetention({ maxBytes: Math.floor(before.bytes / 2) });
          expect(result.deletedSpans).toBeGreaterThan(0);
          const idsOf = (b: SpanBatch) => [...new Set(spansOf(b).map((x) => x.traceId))];
          expect(await s.store.getTraces(idsOf(hours[0]))).toEqual([]);
          expect(await s.store.getTraces(idsOf(hours[5]))).toHaveLength(20);
          expect((await s.store.stats()).spanCount).toBe(before.spanCount - result.deletedSpans);
        });
      });
    });

    describe('lifecycle', () => {
      it('shutdown is idempotent; writes after it reject with STORE_CLOSED', { timeout }, async () => {
        const store = await options.create();
        await store.start();
        try {
          await store.shutdown();
          await store.shutdown();
          const batch = createTraceGenerator({ seed: 3, startTimeUnixNano: recentBase() }).nextBatch(1);
          const error = await store.writeSpans(batch).then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(TracelightError);
          expect((error as TracelightError).code).toBe(StoreErrorCode.CLOSED);
        } finally {
          await options.destroy?.(store);
        }
      });

      it.skipIf(!options.reopen)('data written before a restart reads back after it', { timeout }, async () => {
        const fx = shop(recentBase());
        const first = await options.create();
        await first.start();
        let second: Store | undefined;
        try {
          for (const write of fx.writes) await first.writeSpans(spanBatchFromSpans(write));
          await first.writeLogs(logBatchFromRecords(Object.values(fx.logs)));
          await first.shutdown();
          second = await options.reopen!(first);
          await second.start();
          const [t4] = await second.getTraces([fx.ids.t4]);
          expect(sorted(t4.spans)).toEqual(sorted(fx.traces.t4));
          const [t6] = await second.getTraces([fx.ids.t6]);
          expect(t6.spans).toHaveLength(4);
          expect(await second.getServices()).toEqual([...SHOP_SERVICES]);
          if (second.capabilities.logs) expect(await second.findLogs({ traceId: fx.ids.t1 })).toEqual([fx.logs.l2, fx.logs.l1]);
        } finally {
          await first.shutdown();
          await second?.shutdown();
          await options.destroy?.(second ?? first);
        }
      });
    });
  });
}

interface ExpectedPoint {
  /** Bucket number. */
  readonly k: bigint;
  readonly calls: number;
  readonly errors: number;
  readonly durations: readonly bigint[];
}

/**
 * Checks a series' points: bucket times and counts exactly; each latency quantile between the
 * nearest-rank neighbours of the exact value (stores may interpolate or approximate).
 */
function expectPoints(series: MetricsSeries, query: MetricsQuery, expected: readonly ExpectedPoint[]): void {
  const q = normalizeMetricsQuery(query);
  expect(series.points.map((p) => [p.timeUnixNano, p.callCount, p.errorCount])).toEqual(
    expected.map((e) => [q.startTimeUnixNano + e.k * q.stepNano, e.calls, e.errors]),
  );
  series.points.forEach((p, i) => {
    const d = [...expected[i].durations].map(Number).sort((a, b) => a - b);
    expect(p.latencyQuantilesNano).toHaveLength(q.quantiles.length);
    q.quantiles.forEach((quantile, j) => {
      const pos = (d.length - 1) * quantile;
      const lo = d[Math.floor(pos)];
      const hi = d[Math.ceil(pos)];
      const v = p.latencyQuantilesNano[j];
      expect(v, `quantile ${quantile} of ${d.join(',')}`).toBeGreaterThanOrEqual(lo * 0.99);
      expect(v, `quantile ${quantile} of ${d.join(',')}`).toBeLessThanOrEqual(hi * 1.01);
    });
  });
}
