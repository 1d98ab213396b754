// Every processor, the Zipkin receiver, the OTLP exporter and the self-metrics, with real data
// through the real receivers into a real (memory) store.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import { credentials, makeGenericClientConstructor, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, trace } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Span } from '@tracelight/core';
import { getAttribute, samplingProbabilityOf, spanBatchFromSpans, StatusCode } from '@tracelight/core';
import { encodeTraceRequest, traceServiceDefinition } from '@tracelight/otlp';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterEach, describe, expect, it } from 'vitest';
import type { Collector } from './collector.js';
import { createCollector } from './collector.js';

const running: Collector[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.shutdown()));
});

/** A collector on free ports: OTLP (both protocols) and Zipkin → processors → store (and extra exporters). */
async function start(processors: Record<string, unknown>, options: { store?: Store; exporters?: Record<string, unknown>; exporterIds?: string[] } = {}) {
  const store = options.store ?? createMemoryStore();
  const collector = createCollector({
    store,
    config: {
      receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } }, zipkin: { endpoint: '127.0.0.1:0' } },
      processors,
      exporters: { store: {}, ...options.exporters },
      service: {
        pipelines: { traces: { receivers: ['otlp', 'zipkin'], processors: Object.keys(processors), exporters: options.exporterIds ?? ['store'] } },
        telemetry: { metrics: { address: '127.0.0.1:0' } },
      },
    },
  });
  running.push(collector);
  await collector.start();
  const port = (name: string) => collector.listeners().find((l) => l.name === name)!.port;
  return { store, collector, http: port('OTLP/HTTP'), grpc: port('OTLP/gRPC'), zipkin: port('Zipkin'), metrics: port('metrics') };
}

let seq = 0;
function hex(n: number, bytes: number): string {
  return n.toString(16).padStart(bytes * 2, '0');
}

/** A trace of `n` spans (root + children) with a random-looking trace id. */
function makeTrace(options: { n?: number; error?: boolean; durationMs?: number; attrs?: Span['attributes']; name?: string; traceId?: string } = {}): Span[] {
  const t = ++seq;
  const traceId = options.traceId ?? (BigInt.asUintN(64, BigInt(t) * 0x9e3779b97f4a7c15n).toString(16).padStart(16, '0') + BigInt.asUintN(64, BigInt(t) * 0xc2b2ae3d27d4eb4fn).toString(16).padStart(16, '0'));
  const resource = { attributes: [{ key: 'service.name', value: 'shop' }], droppedAttributesCount: 0, schemaUrl: '' };
  const scope = { name: 's', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  const start = 1_700_000_000_000_000_000n + BigInt(t) * 1_000_000_000n;
  const n = options.n ?? 3;
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: hex(t * 100 + i + 1, 8),
    parentSpanId: i === 0 ? '' : hex(t * 100 + 1, 8),
    traceState: '',
    flags: 1,
    name: options.name ?? (i === 0 ? 'GET /orders' : 'SELECT'),
    kind: i === 0 ? 2 : 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round((i === 0 ? (options.durationMs ?? 10) : 1) * 1e6)),
    attributes: i === 0 ? (options.attrs ?? []) : [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: options.error && i === n - 1 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
    resource,
    scope,
  }));
}

async function post(port: number, spans: Span[]): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf'),
  });
}

async function stored(store: Store, traceId: string): Promise<Span[]> {
  return (await store.getTraces([traceId]))[0]?.spans ?? [];
}

/** Polls `check` until it returns true or `timeoutMs` passes (decisions run on timers: no fixed sleeps). */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('redaction and attributes processors', () => {
  it('a card number or an email in an attribute never reaches the store', async () => {
    const { store, http } = await start({
      redaction: {
        allowed_keys: ['http.route', 'payment.note', 'user.email'],
        blocked_values: ['\\b\\d(?:[ -]?\\d){12,15}\\b', '[\\w.+-]+@[\\w-]+\\.[\\w.]+'],
      },
    });
    const spans = makeTrace({
      attrs: [
        { key: 'http.route', value: '/orders' },
        { key: 'payment.note', value: 'paid with 4111 1111 1111 1111 today' },
        { key: 'user.email', value: 'ann@example.com' },
        { key: 'card.raw', value: '4111111111111111' },
      ],
    });
    expect((await post(http, spans)).status).toBe(200);
    const [root] = (await stored(store, spans[0].traceId)).filter((s) => s.parentSpanId === '');
    expect(getAttribute(root.attributes, 'http.route')).toBe('/orders');
    expect(getAttribute(root.attributes, 'payment.note')).toBe('paid with **** today');
    expect(getAttribute(root.attributes, 'user.email')).toBe('****');
    expect(getAttribute(root.attributes, 'card.raw')).toBeUndefined(); // key not allowed
    expect(getAttribute(root.attributes, 'redaction.redacted.count')).toBe(1n);
    expect(JSON.stringify(root.attributes, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/4111|ann@/);
  });

  it('inserts, updates, upserts, deletes and hashes', async () => {
    const { store, http } = await start({
      attributes: {
        actions: [
          { key: 'env', action: 'insert', value: 'prod' },
          { key: 'http.route', action: 'update', value: '/x' },
          { key: 'copy', action: 'upsert', from_attribute: 'user.id' },
          { key: 'secret', action: 'delete' },
          { key: 'user.id', action: 'hash' },
        ],
      },
    });
    const spans = makeTrace({ attrs: [{ key: 'http.route', value: '/orders' }, { key: 'secret', value: 's' }, { key: 'user.id', value: 'u1' }] });
    expect((await post(http, spans)).status).toBe(200);
    const root = (await stored(store, spans[0].traceId)).find((s) => s.parentSpanId === '')!;
    expect(Object.fromEntries(root.attributes.map((a) => [a.key, a.value]))).toEqual({
      'http.route': '/x',
      'user.id': '1b4c3ac7c5c3e0b3f6fd51b9fe1a3ff41cff5ac6ef5e9e1b5a8a5d7e0d9c7a31'.length === 64 ? expect.stringMatching(/^[0-9a-f]{64}$/) : '',
      env: 'prod',
      copy: 'u1',
    });
  });
});

describe('filter and probabilistic sampler', () => {
  it('drops health checks and counts them', async () => {
    const { store, http, metrics } = await start({ filter: { spans: { exclude: { match_type: 'regexp', span_names: ['^GET /health'] } } } });
    const health = makeTrace({ n: 1, name: 'GET /healthz' });
    const real = makeTrace({ n: 2 });
    expect((await post(http, [...health, ...real])).status).toBe(200);
    expect(await stored(store, health[0].traceId)).toHaveLength(0);
    expect(await stored(store, real[0].traceId)).toHaveLength(2);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    expect(text).toContain('tracelight_processor_dropped_spans_total{processor="filter",pipeline="traces",reason="filtered"} 1');
  });

  it('keeps about the configured share of traces, whole, marked with ot=th', async () => {
    const { store, http } = await start({ probabilistic_sampler: { sampling_percentage: 25 } });
    const traces = Array.from({ length: 2000 }, () => makeTrace({ n: 2 }));
    expect((await post(http, traces.flat())).status).toBe(200);
    const got = await store.getTraces(traces.map((t) => t[0].traceId));
    expect(got.length).toBeGreaterThan(2000 * 0.25 - 90);
    expect(got.length).toBeLessThan(2000 * 0.25 + 90);
    for (const t of got) {
      expect(t.spans).toHaveLength(2);
      for (const s of t.spans) {
        expect(s.traceState).toBe('ot=th:c');
        expect(samplingProbabilityOf(s.traceState)).toBe(0.25);
      }
    }
    // An upstream that already sampled at 10% (th:e666) keeps its threshold when it passes ours.
    const low = makeTrace({ n: 1, traceId: '0'.repeat(17) + 'f'.repeat(15) }).map((s) => ({ ...s, traceState: 'ot=th:e666' }));
    expect((await post(http, low)).status).toBe(200);
    expect((await stored(store, low[0].traceId))[0].traceState).toBe('ot=th:e666');
  });
});

describe('tail sampling', () => {
  it('keeps error and slow traces whole, and respects the probabilistic baseline', async () => {
    const { store, http, collector } = await start({
      tail_sampling: {
        // Long enough that both requests of a trace arrive before its decision, even on a busy machine.
        decision_wait: '3s',
        policies: [
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } },
          { name: 'baseline', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
        ],
      },
    });
    const errors = Array.from({ length: 20 }, () => makeTrace({ n: 4, error: true }));
    const slow = Array.from({ length: 20 }, () => makeTrace({ n: 4, durationMs: 900 }));
    const normal = Array.from({ length: 1500 }, () => makeTrace({ n: 2 }));
    // Spans of one trace arrive in different requests: the decision is for the trace as a whole.
    const all = [...errors, ...slow, ...normal];
    expect((await post(http, all.map((t) => t[0]))).status).toBe(200);
    expect((await post(http, all.flatMap((t) => t.slice(1)))).status).toBe(200);
    // Every trace decided and sent on: each buffered gauge (undecided and to-send spans, traces) is 0.
    await eventually(() => {
      const gauges = collector.telemetry.render().split('\n').filter((line) => line.startsWith('tracelight_tail_sampling_buffered_'));
      return gauges.length === 3 && gauges.every((line) => line.endsWith(' 0'));
    });
    for (const t of [...errors, ...slow]) expect(await stored(store, t[0].traceId)).toHaveLength(t.length);
    const kept = await store.getTraces(normal.map((t) => t[0].traceId));
    expect(kept.length).toBeGreaterThan(1500 * 0.1 - 50);
    expect(kept.length).toBeLessThan(1500 * 0.1 + 50);
    for (const t of kept) {
      expect(t.spans).toHaveLength(2);
      expect(t.spans.every((s) => samplingProbabilityOf(s.traceState) === probabilityOf10())).toBe(true);
    }
    // Error traces were kept for sure: no threshold on them.
    expect((await stored(store, errors[0][0].traceId)).every((s) => s.traceState === '')).toBe(true);
    const text = collector.telemetry.render();
    expect(text).toMatch(/tracelight_tail_sampling_decisions_total\{processor="tail_sampling",pipeline="traces",policy="errors",decision="sampled"\} 20/);
  });

  it('a late span follows its trace decision; a full buffer refuses retryably', async () => {
    const { store, http } = await start({
      tail_sampling: { decision_wait: '100ms', max_spans: 10, policies: [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }] },
    });
    const t = makeTrace({ n: 4, error: true });
    expect((await post(http, t.slice(1))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect((await post(http, t.slice(0, 1))).status).toBe(200);
    await eventually(async () => (await stored(store, t[0].traceId)).length === 4);
    const big = makeTrace({ n: 8 });
    expect((await post(http, big)).status).toBe(200);
    const refused = await post(http, makeTrace({ n: 5 }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
  });
});

function probabilityOf10(): number {
  return samplingProbabilityOf('ot=th:e666');
}

describe('memory limiter and batch', () => {
  it('above the soft limit, HTTP gets 429 + Retry-After and gRPC RESOURCE_EXHAUSTED with RetryInfo, before decoding', async () => {
    const { store, http, grpc, collector } = await start({ memory_limiter: { limit_mib: 2, spike_limit_mib: 1, retry_after: '2s' }, batch: {} });
    const spans = makeTrace();
    const res = await post(http, spans);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    const Ctor = makeGenericClientConstructor(traceServiceDefinition, 'TraceService');
    const client = new Ctor(`127.0.0.1:${grpc}`, credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) =>
      (client as unknown as Record<string, (b: Buffer, m: Metadata, cb: (e: ServiceError | null) => void) => void>).Export.call(
        client,
        Buffer.from(encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf')),
        new Metadata(),
        resolve,
      ),
    );
    client.close();
    expect(err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const details = err!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
    expect(await stored(store, spans[0].traceId)).toHaveLength(0);
    expect(collector.receivers.get('otlp')!.counters.requests.throttled).toBe(2);
    expect(collector.receivers.get('otlp')!.counters.bytesDecoded).toBe(0); // never decoded
  });

  it('groups concurrent requests into fewer store writes, answering each after its commit', async () => {
    const base = createMemoryStore();
    let writes = 0;
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => (release = r));
    const store = Object.assign(Object.create(base) as Store, {
      async writeSpans(batch: Parameters<Store['writeSpans']>[0]) {
        writes++;
        await gate;
        return base.writeSpans(batch);
      },
    });
    const { http } = await start({ batch: { max_in_flight_batches: 1 } }, { store });
    const traces = Array.from({ length: 10 }, () => makeTrace());
    let answered = 0;
    const posts = traces.map((t) => post(http, t).then((r) => (answered++, r.status)));
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(0); // nothing is acknowledged before its commit
    release();
    gate = Promise.resolve();
    expect(await Promise.all(posts)).toEqual(traces.map(() => 200));
    expect(writes).toBeLessThanOrEqual(3); // the first request alone, the rest grouped
    for (const t of traces) expect(await stored(base, t[0].traceId)).toHaveLength(3);
  });
});

describe('Zipkin receiver', () => {
  it('takes spans from the real OpenTelemetry Zipkin exporter', async () => {
    const { store, zipkin } = await start({});
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'zipkin-svc' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    });
    const tracer = provider.getTracer('zipkin-test');
    const root = tracer.startSpan('GET /z', { kind: ApiSpanKind.SERVER, attributes: { 'http.route': '/z', n: 7 } });
    root.addEvent('cache.miss');
    const child = tracer.startSpan('call db', { kind: ApiSpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, root));
    child.setStatus({ code: 2, message: 'boom' });
    child.end();
    root.end();
    const exporter = new ZipkinExporter({ url: `http://127.0.0.1:${zipkin}/api/v2/spans` });
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    expect(result.code).toBe(0);
    const traceId = root.spanContext().traceId;
    const got = await stored(store, traceId);
    expect(got).toHaveLength(2);
    const r = got.find((s) => s.name === 'GET /z')!;
    const c = got.find((s) => s.name === 'call db')!;
    expect(r.kind).toBe(2);
    expect(c.kind).toBe(3);
    expect(c.parentSpanId).toBe(root.spanContext().spanId);
    expect(getAttribute(r.resource.attributes, 'service.name')).toBe('zipkin-svc');
    expect(getAttribute(r.attributes, 'http.route')).toBe('/z');
    expect(getAttribute(r.attributes, 'n')).toBe('7'); // Zipkin tags are strings
    expect(r.events.map((e) => e.name)).toEqual(['cache.miss']);
    expect(c.status).toEqual({ code: StatusCode.ERROR, message: 'boom' });
    expect(r.endTimeUnixNano - r.startTimeUnixNano).toBeGreaterThanOrEqual(0n);
    expect(r.startTimeUnixNano % 1000n).toBe(0n); // µs → ns
  });

  it('pads 64-bit trace ids, rejects bad spans with partial success, and answers 400 to malformed bodies', async () => {
    const { store, zipkin } = await start({});
    const url = `http://127.0.0.1:${zipkin}/api/v2/spans`;
    const send = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const good = { traceId: '463ac35c9f6413ad', id: 'a2fb4a1d1a96d312', name: 'get', timestamp: 1_700_000_000_000_000, duration: 1500, kind: 'SERVER', localEndpoint: { serviceName: 'front' }, shared: true, debug: true, tags: { error: 'timeout' }, remoteEndpoint: { serviceName: 'db', ipv4: '10.0.0.2', port: 5432 } };
    const res = await send(JSON.stringify([good, { ...good, id: 'xyz' }]));
    expect(res.status).toBe(202);
    expect(await res.text()).toContain('1 span rejected: id not 16 hex digits');
    const [s] = await stored(store, '0000000000000000463ac35c9f6413ad');
    expect(s.endTimeUnixNano - s.startTimeUnixNano).toBe(1_500_000n);
    expect(s.status).toEqual({ code: StatusCode.ERROR, message: 'timeout' });
    expect(getAttribute(s.attributes, 'peer.service')).toBe('db');
    expect(getAttribute(s.attributes, 'network.peer.port')).toBe(5432n);
    expect(getAttribute(s.attributes, 'zipkin.shared')).toBe(true);
    expect((await send('{not json')).status).toBe(400);
    const notArray = await send('{"traceId":"1"}');
    expect(notArray.status).toBe(400);
    expect(await notArray.text()).toContain('must be a JSON array');
    expect((await send(JSON.stringify([{ id: 'a2fb4a1d1a96d312' }]))).status).toBe(400);
    expect((await fetch(url.replace('/v2/', '/v1/'), { method: 'POST', body: '[]' })).status).toBe(404);
  });
});

describe('OTLP exporter', () => {
  for (const [type, proto] of [
    ['otlphttp', 'OTLP/HTTP'],
    ['otlp', 'OTLP/gRPC'],
  ] as const) {
    it(`${type} forwards to another collector and acknowledges after it did`, async () => {
      const upstream = await start({});
      const up = upstream.collector.listeners().find((l) => l.name === proto)!;
      const endpoint = type === 'otlp' ? `127.0.0.1:${up.port}` : `http://127.0.0.1:${up.port}`;
      const agent = await start({}, { exporters: { [`${type}/up`]: { endpoint } }, exporterIds: [`${type}/up`] });
      const spans = makeTrace();
      expect((await post(agent.http, spans)).status).toBe(200);
      expect(await stored(upstream.store, spans[0].traceId)).toHaveLength(3);
      expect(await stored(agent.store, spans[0].traceId)).toHaveLength(0);
    });
  }

  it('retries while the other side refuses, then gives up retryably; honours its Retry-After', async () => {
    const upstream = await start({ memory_limiter: { limit_mib: 2, spike_limit_mib: 1, retry_after: '1s' } });
    const agent = await start({}, {
      exporters: { 'otlphttp/up': { endpoint: `http://127.0.0.1:${upstream.http}`, retry_on_failure: { max_elapsed_time: '2500ms' } } },
      exporterIds: ['otlphttp/up'],
    });
    const t0 = performance.now();
    const res = await post(agent.http, makeTrace());
    expect(res.status).toBe(503); // retryable for our client too
    expect(performance.now() - t0).toBeGreaterThan(1900); // waited for the upstream's Retry-After
    expect(upstream.collector.receivers.get('otlp')!.counters.requests.throttled).toBeGreaterThanOrEqual(2);
    expect(agent.collector.telemetry.render()).toMatch(/tracelight_exporter_retries_total\{exporter="otlphttp\/up"\} [1-9]/);
  });
});

describe('self-metrics', () => {
  it('promtool check metrics accepts what 8888 serves', async () => {
    const promtool = spawnSync('promtool', ['--version']);
    if (promtool.error) throw new Error('promtool is missing: run scripts/ensure-prometheus.sh');
    const { http, zipkin, metrics } = await start({ memory_limiter: {}, batch: {}, tail_sampling: { decision_wait: '50ms', policies: [{ name: 'all', type: 'always_sample' }] } });
    await post(http, makeTrace());
    await fetch(`http://127.0.0.1:${zipkin}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'nope' });
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`http://127.0.0.1:${metrics}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    for (const name of ['otelcol_receiver_accepted_spans_total', 'tracelight_store_write_duration_seconds_bucket', 'tracelight_processor_batch_queue_size', 'tracelight_process_memory_rss_bytes', 'tracelight_tail_sampling_buffered_spans']) {
      expect(text).toContain(name);
    }
    expect(text).toContain('tracelight_receiver_requests_total{receiver="zipkin",outcome="invalid"} 1');
    const dir = mkdtempSync(join(tmpdir(), 'tl-metrics-'));
    writeFileSync(join(dir, 'metrics.txt'), text);
    const check = spawnSync('sh', ['-c', `promtool check metrics < ${join(dir, 'metrics.txt')}`], { encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });
});
