import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@tracelight/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACE_IDS } from '../../../../test/fixtures/index.js';
import { JAEGER_SHAPES_TRACE_ID } from '../../../../test/fixtures/query/jaeger-shapes.js';
import { QUERY_BASE, QUERY_NOW, shopStore } from '../../../../test/fixtures/query/shop-store.js';
import type { FetchServer } from '../fetch-server.js';
import { createFetchServer } from '../fetch-server.js';
import { createQueryHandler } from '../query-handler.js';
import type { QueryClient } from './index.js';
import { createQueryClient, QueryClientError } from './index.js';

const S = 1_000_000_000n;
let store: Store;
let server: FetchServer;
let client: QueryClient;

beforeAll(async () => {
  store = await shopStore();
  server = createFetchServer({ handler: createQueryHandler({ store, now: () => QUERY_NOW }), port: 0 });
  await server.start();
  client = createQueryClient(`http://127.0.0.1:${server.address()!.port}/`);
});

afterAll(async () => {
  await server?.shutdown();
});

describe('createQueryClient (over real HTTP)', () => {
  it('lists services and operations', async () => {
    expect(await client.services()).toContain('checkout');
    expect(await client.operations('checkout', 'client')).toEqual([
      { name: 'charge', spanKind: 'client' },
      { name: 'db SELECT', spanKind: 'client' },
    ]);
  });

  it('searches and returns summaries with exact bigint times', async () => {
    const res = await client.search({ q: 'service=frontend', start: String(QUERY_BASE), end: String(QUERY_NOW), sort: 'duration', limit: 2 });
    expect(res.traces.map((t) => t.traceId)).toEqual([TRACE_IDS.t5, TRACE_IDS.t1]);
    expect(res.traces[0].durationNano).toBe(2_500_000_000n);
    expect(res.traces[0].startTimeUnixNano).toBe(QUERY_BASE + 300n * S);
    expect(res.total).toBe(4);
  });

  it('gets a trace as core spans, undefined when unknown, and summaries by id', async () => {
    const trace = await client.trace(JAEGER_SHAPES_TRACE_ID);
    expect(trace?.spans.map((s) => s.spanId).sort()).toEqual(['00000000000000a1', '00000000000000a2', '00000000000000a3']);
    expect(trace?.spans.find((s) => s.spanId === '00000000000000a1')?.attributes.find((a) => a.key === 'i.min')?.value).toBe(-9223372036854775808n);
    expect(await client.trace('f'.repeat(32))).toBeUndefined();
    const [summary] = await client.traceSummaries([TRACE_IDS.t2]);
    expect(summary).toMatchObject({ traceId: TRACE_IDS.t2, spanCount: 5, errorCount: 3 });
  });

  it('gets a skeleton as typed arrays and single spans, undefined when unknown', async () => {
    const trace = await client.trace(TRACE_IDS.t2);
    const sk = await client.skeleton(TRACE_IDS.t2);
    expect(sk?.header.spanCount).toBe(trace?.spans.length);
    expect(sk?.header.errorCount).toBe(3);
    expect(sk?.parent[0]).toBe(-1);
    const rootId = [...sk!.spanIds.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const one = await client.span(TRACE_IDS.t2, rootId);
    expect(one?.span).toEqual(trace?.spans.find((s) => s.spanId === rootId));
    expect(await client.skeleton('f'.repeat(32))).toBeUndefined();
    expect(await client.span(TRACE_IDS.t2, 'f'.repeat(16))).toBeUndefined();
  });

  it('uploads a downloaded file and gets the same trace back', async () => {
    const file = await (await fetch(client.downloadUrl(TRACE_IDS.t1))).text();
    const [uploaded] = await client.upload(file);
    const stored = await client.trace(TRACE_IDS.t1, { raw: true });
    const bySpan = (spans: readonly { spanId: string }[]) => [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
    expect(bySpan(uploaded.spans)).toEqual(bySpan(stored!.spans));
  });

  it('reads dependencies, metrics and logs', async () => {
    expect(await client.dependencies({ endTimeUnixNano: QUERY_NOW, lookbackNano: 600n * S, service: 'payment' })).toEqual([{ parent: 'checkout', child: 'payment', callCount: 2 }]);
    const family = await client.metrics('latencies', { services: ['frontend'], quantile: 0.5, endTimeUnixNano: QUERY_NOW, lookbackNano: 600n * S, stepNano: 60n * S });
    expect(family.metrics[0].metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual([120, 80, 2500, 30]);
    const logs = await client.logs({ traceId: TRACE_IDS.t2 });
    expect(logs.map((l) => l.severityText)).toEqual(['WARN', 'ERROR']);
  });

  it('turns error answers into QueryClientError with the server\'s code', async () => {
    const err = await client.search({ q: 'service=' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryClientError);
    expect(err).toMatchObject({ status: 400, code: 'QUERY_BAD_REQUEST' });
    const jaeger = await client.operations('').catch((e: unknown) => e);
    expect(jaeger).toMatchObject({ status: 400, message: "parameter 'service' is required" });
    const down = createQueryClient('http://127.0.0.1:1');
    expect(await down.services().catch((e: unknown) => e)).toMatchObject({ status: 0, code: 'QUERY_CLIENT_UNREACHABLE', retryable: true });
  });

  it('refuses answers of the wrong shape', async () => {
    const liar = createQueryClient('http://x', { fetch: async () => new Response(JSON.stringify({ data: [1, 2] }), { status: 200 }) });
    await expect(liar.services()).rejects.toMatchObject({ code: 'QUERY_CLIENT_BAD_RESPONSE' });
  });
});

describe('the client module graph', () => {
  it('imports nothing Node-only (it runs in the browser)', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const packages = resolve(here, '../../..');
    const builtins = new Set(builtinModules);
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
        if (m[1]) continue; // type-only: erased
        const spec = m[2];
        if (spec.startsWith('node:') || builtins.has(spec)) offenders.push(`${file}: ${spec}`);
        else if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
        else if (spec.startsWith('@tracelight/')) visit(join(packages, spec.slice('@tracelight/'.length), 'src/index.ts'));
        else offenders.push(`${file}: third-party import ${spec}`);
      }
    };
    visit(join(here, 'index.ts'));
    expect(offenders).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });
});
