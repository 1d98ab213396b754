// `tracelight demo` as a newcomer runs it: real service processes instrumented with
// @tracelight/instrument, the machine's PostgreSQL, RabbitMQ and NATS, the load generator, and
// every assertion made through the query API.
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import type { LogRecord, Span } from '@tracelight/core';
import { serviceNameOf, SpanKind, StatusCode } from '@tracelight/core';
import type { QueryClient } from '@tracelight/query/client';
import { createQueryClient } from '@tracelight/query/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from './helpers/demo.js';
import {
  criticalPathShare,
  describeTree,
  durationMs,
  label,
  only,
  parentOf,
  portInUse,
  runDemoCommand,
  serviceOf,
  startDemo,
  stopAllDemos,
  traceIdOf,
  waitForTrace,
} from './helpers/demo.js';

// Ports 21900-21999 are this test's: the demo's services on 21900-21930, a second (failing) demo
// on 21960-21990; tracelight's own listeners on free ports.
const BASE = 21900;
const GATEWAY = `http://127.0.0.1:${BASE}`;
const BANDS = `http://127.0.0.1:${BASE + 10}`;
const CHAIN = `http://127.0.0.1:${BASE + 20}`;
const JOBS = `http://127.0.0.1:${BASE + 30}`;
const DB = 'tracelight_demo_e2e';
const PREFIX = `demo-${BASE}`;
const SERVER_PORTS = ['--otlp-grpc-port', '--otlp-http-port', '--http-port', '--zipkin-port', '--metrics-port', '--span-metrics-port', '--sampling-port'].flatMap((f) => [f, '0']);
const FAILING_CARD = '4000000000000119';

afterAll(async () => {
  await stopAllDemos();
});

function noStackTrace(text: string) {
  expect(text).not.toMatch(/^\s+at /m);
}

/** A token the demo's auth service accepts (the same HMAC scheme as examples/shared/tokens.ts, written again here on purpose). */
async function tokenFor(account: number): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const sig = createHmac('sha256', 'tracelight-demo-secret').update(String(account)).digest('hex').slice(0, 24);
  return `demo_${account}_${sig}`;
}

async function pay(card: string): Promise<Response> {
  return fetch(`${GATEWAY}/process-payment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(7)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amountCents: 4200, currency: 'EUR', card }),
  });
}

function has(spans: readonly Span[], ...labels: string[]): boolean {
  return labels.every((l) => spans.some((s) => label(s) === l));
}

/** Asserts `child` is a child of a CLIENT span of `service` whose parent is `grandparent`; returns that client span. */
function calledFrom(spans: readonly Span[], child: Span, service: string, grandparent: Span): Span {
  const client = parentOf(spans, child);
  expect(client, `${label(child)} has its parent in the trace\n${describeTree(spans)}`).toBeDefined();
  expect(client!.kind).toBe(SpanKind.CLIENT);
  expect(serviceOf(client!)).toBe(service);
  expect(client!.parentSpanId).toBe(grandparent.spanId);
  return client!;
}

async function waitForLogs(client: QueryClient, traceId: string, complete: (logs: LogRecord[]) => boolean, timeoutMs = 20_000): Promise<LogRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let logs: LogRecord[] = [];
  while (Date.now() < deadline) {
    logs = await client.logs({ traceId, limit: 1000 });
    if (complete(logs)) return logs;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return logs;
}

const bodyOf = (r: LogRecord) => String(r.body);

describe('tracelight demo: the demo system, driven through its front doors and read back through the query API', () => {
  let demo: RunningDemo;
  let api: QueryClient;

  beforeAll(async () => {
    demo = await startDemo([...SERVER_PORTS, '--memory', '--base-port', String(BASE), '--postgres', `postgres://postgres@127.0.0.1:5432/${DB}`, '--rate', '2', '--failure-rate', '0']);
    api = createQueryClient(demo.uiUrl);
  }, 150_000);

  it('prints the UI address and a sample trace that is in the store', async () => {
    expect(demo.stdout()).toMatch(/^ready; press Ctrl\+C to stop$/m);
    expect(demo.stdout()).toContain(`${demo.uiUrl}/#/trace/${demo.sampleTraceId}`);
    const trace = await waitForTrace(api, demo.sampleTraceId, (spans) => has(spans, 'payments-gateway: POST /process-payment'));
    const root = only(trace.spans, 'payments-gateway: POST /process-payment');
    expect(root.parentSpanId).toBe('');
  });

  it('payments: gateway → auth → PostgreSQL → provider → PostgreSQL → fraud model; the provider call dominates the critical path; every service logs with the trace id', async () => {
    const res = await pay('4242424242424242');
    expect(res.status).toBe(201);
    const traceId = traceIdOf(res);
    const { spans } = await waitForTrace(api, traceId, (s) =>
      has(s, 'payments-gateway: POST /process-payment', 'auth: POST /verify', 'payment-provider: POST /v1/charges', 'fraud-model: POST /score', `payments-gateway: pg.query:UPDATE ${DB}`),
    );
    expect(new Set(spans.map(serviceOf))).toEqual(new Set(['payments-gateway', 'auth', 'payment-provider', 'fraud-model']));
    const root = only(spans, 'payments-gateway: POST /process-payment');
    expect(root.parentSpanId).toBe('');
    expect(root.kind).toBe(SpanKind.SERVER);

    const verify = only(spans, 'auth: POST /verify');
    const charge = only(spans, 'payment-provider: POST /v1/charges');
    const score = only(spans, 'fraud-model: POST /score');
    for (const server of [verify, charge, score]) {
      expect(server.kind).toBe(SpanKind.SERVER);
      calledFrom(spans, server, 'payments-gateway', root);
    }
    const select = only(spans, `payments-gateway: pg.query:SELECT ${DB}`);
    const insert = only(spans, `payments-gateway: pg.query:INSERT ${DB}`);
    const update = only(spans, `payments-gateway: pg.query:UPDATE ${DB}`);
    for (const query of [select, insert, update]) expect(query.parentSpanId).toBe(root.spanId);
    // The order of the steps.
    const order = [verify, select, charge, insert, score, update].map((s) => s.startTimeUnixNano);
    expect([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(order);

    const providerCall = parentOf(spans, charge)!;
    const share = criticalPathShare(traceId, spans, [providerCall]);
    const others = [verify, score].map((s) => criticalPathShare(traceId, spans, [parentOf(spans, s)!]));
    expect(share, describeTree(spans)).toBeGreaterThan(0.5);
    for (const other of others) expect(share).toBeGreaterThan(other);

    const serverSpans = new Set([root, verify, charge, score].map((s) => s.spanId));
    const logs = await waitForLogs(api, traceId, (l) => new Set(l.map((r) => r.spanId)).size >= 4);
    const messages = new Set(logs.map((r) => `${serviceNameOf(r.resource)}: ${bodyOf(r)}`));
    for (const line of ['payments-gateway: payment captured', 'auth: token accepted', 'payment-provider: charge captured', 'fraud-model: scored']) {
      expect(messages, [...messages].join('\n')).toContain(line);
    }
    // One record per line written: each service logs once in this request (a record stored twice would show here).
    expect(logs).toHaveLength(4);
    for (const record of logs) {
      expect(record.traceId).toBe(traceId);
      expect(serverSpans.has(record.spanId), `log "${bodyOf(record)}" names a span of the trace`).toBe(true);
    }
  });

  it('payments: an injected provider failure is an error span on both sides, counts as an error, and is logged as one', async () => {
    const res = await pay(FAILING_CARD);
    expect(res.status).toBe(502);
    const traceId = traceIdOf(res);
    const { spans } = await waitForTrace(api, traceId, (s) => has(s, 'payments-gateway: POST /process-payment', 'payment-provider: POST /v1/charges', `payments-gateway: pg.query:INSERT ${DB}`));
    const root = only(spans, 'payments-gateway: POST /process-payment');
    const charge = only(spans, 'payment-provider: POST /v1/charges');
    const call = calledFrom(spans, charge, 'payments-gateway', root);
    expect(charge.status.code).toBe(StatusCode.ERROR);
    expect(call.status.code).toBe(StatusCode.ERROR);
    expect(root.status.code).toBe(StatusCode.ERROR);
    expect(spans.filter((s) => serviceOf(s) === 'fraud-model')).toEqual([]);

    const [summary] = await api.traceSummaries([traceId]);
    expect(summary.errorCount).toBe(3);
    expect(summary.services.find((s) => s.serviceName === 'payment-provider')?.errorCount).toBe(1);
    // With --failure-rate 0 the provider fails only when told to: search finds exactly that.
    const failed = await api.search({ q: 'service=payment-provider status=error', lookback: '1h' });
    expect(failed.traces.map((t) => t.traceId)).toEqual([traceId]);
    const errors = await api.metrics('errors', { services: ['payment-provider'], lookbackNano: 600_000_000_000n, stepNano: 5_000_000_000n, ratePerNano: 600_000_000_000n });
    const rates = errors.metrics.flatMap((m) => m.metricPoints.map((p) => p.gaugeValue.doubleValue));
    expect(Math.max(...rates)).toBeGreaterThan(0);

    const logs = await waitForLogs(api, traceId, (l) => l.some((r) => r.severityNumber >= 17 && serviceNameOf(r.resource) === 'payment-provider'));
    const providerError = logs.find((r) => serviceNameOf(r.resource) === 'payment-provider' && r.severityNumber >= 17);
    expect(providerError && bodyOf(providerError)).toBe('charge failed: upstream bank timeout');
    expect(providerError!.spanId).toBe(charge.spanId);
    expect(logs.some((r) => serviceNameOf(r.resource) === 'payments-gateway' && bodyOf(r) === 'payment provider failed' && r.spanId === root.spanId)).toBe(true);
  });

  it('bands and reviews: Hono → node:http → PostgreSQL; an unknown band is a 404, not an error', async () => {
    const res = await fetch(`${BANDS}/bands/4`);
    expect(res.status).toBe(200);
    const band = (await res.json()) as { name: string; reviews: unknown[] };
    expect(band.name).toBe('Context Propagation');
    expect(band.reviews.length).toBeGreaterThan(0);
    const traceId = traceIdOf(res);
    const { spans } = await waitForTrace(api, traceId, (s) => has(s, 'bands: GET /bands/:id', 'reviews: GET /reviews', `reviews: pg.query:SELECT ${DB}`));
    const root = only(spans, 'bands: GET /bands/:id');
    expect(root.parentSpanId).toBe('');
    const reviews = only(spans, 'reviews: GET /reviews');
    calledFrom(spans, reviews, 'bands', root);
    expect(only(spans, `reviews: pg.query:SELECT ${DB}`).parentSpanId).toBe(reviews.spanId);
    expect(new Set(spans.map(serviceOf))).toEqual(new Set(['bands', 'reviews']));

    const missing = await fetch(`${BANDS}/bands/99`);
    expect(missing.status).toBe(404);
    const notFound = await waitForTrace(api, traceIdOf(missing), (s) => has(s, 'bands: GET /bands/:id'));
    expect(notFound.spans).toHaveLength(1);
    expect(notFound.spans[0].status.code).not.toBe(StatusCode.ERROR);
  });

  it('chain: the service calls itself, then the I/O instance, then the CPU instance, one after the other', async () => {
    const res = await fetch(`${CHAIN}/chain`);
    expect(res.status).toBe(200);
    const traceId = traceIdOf(res);
    const { spans } = await waitForTrace(api, traceId, (s) => has(s, 'chain: GET /chain', 'chain: GET /', 'chain-io: GET /io_task', 'chain-cpu: GET /cpu_task'));
    const root = only(spans, 'chain: GET /chain');
    expect(root.parentSpanId).toBe('');
    const steps = ['chain: GET /', 'chain-io: GET /io_task', 'chain-cpu: GET /cpu_task'].map((l) => only(spans, l));
    const calls = steps.map((s) => calledFrom(spans, s, 'chain', root));
    // One after the other (SDK clocks may round to the millisecond, so allow that much).
    for (let i = 1; i < calls.length; i++) expect(calls[i].startTimeUnixNano).toBeGreaterThanOrEqual(calls[i - 1].endTimeUnixNano - 1_000_000n);
    expect(durationMs(steps[1])).toBeGreaterThanOrEqual(150);
    expect(spans).toHaveLength(7);
  });

  it('messaging: one trace from the HTTP request through first → second → third over NATS and over RabbitMQ', async () => {
    const res = await fetch(`${JOBS}/jobs`, { method: 'POST' });
    expect(res.status).toBe(202);
    const traceId = traceIdOf(res);
    const { spans } = await waitForTrace(api, traceId, (s) => has(s, `nats-worker: process ${PREFIX}.third`, `rabbitmq-worker: ${PREFIX}.third process`, 'jobs-api: POST /jobs'));
    const root = only(spans, 'jobs-api: POST /jobs');
    expect(root.parentSpanId).toBe('');

    const steps = [
      { step: 'first', workMs: 100 },
      { step: 'second', workMs: 50 },
      { step: 'third', workMs: 75 },
    ];
    // NATS (the kit's instrumentation): publish <subject> → process <subject>, each a child of the one before.
    let parent = root;
    for (const { step, workMs } of steps) {
      const consumer = only(spans, `nats-worker: process ${PREFIX}.${step}`);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(durationMs(consumer)).toBeGreaterThanOrEqual(workMs - 1);
      const producer = parentOf(spans, consumer)!;
      expect(label(producer)).toBe(`${step === 'first' ? 'jobs-api' : 'nats-worker'}: publish ${PREFIX}.${step}`);
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(producer.parentSpanId).toBe(parent.spanId);
      parent = consumer;
    }
    // RabbitMQ (the official amqplib instrumentation): publish <exchange> → <queue> process.
    parent = root;
    for (const { step, workMs } of steps) {
      const consumer = only(spans, `rabbitmq-worker: ${PREFIX}.${step} process`);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(durationMs(consumer)).toBeGreaterThanOrEqual(workMs - 1);
      const producer = parentOf(spans, consumer)!;
      expect(label(producer)).toBe(`${step === 'first' ? 'jobs-api' : 'rabbitmq-worker'}: publish <default>`);
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(producer.parentSpanId).toBe(parent.spanId);
      parent = consumer;
    }
    expect(spans, describeTree(spans)).toHaveLength(13);

    const logs = await waitForLogs(api, traceId, (l) => l.some((r) => bodyOf(r) === 'job done over NATS') && l.some((r) => bodyOf(r) === 'job done over RabbitMQ'));
    const ids = new Set(spans.map((s) => s.spanId));
    for (const done of ['job done over NATS', 'job done over RabbitMQ', 'job started on NATS and RabbitMQ']) {
      const record = logs.find((r) => bodyOf(r) === done);
      expect(record, done).toBeDefined();
      expect(ids.has(record!.spanId)).toBe(true);
    }
  });

  it('the load generator fills search and the service list', async () => {
    const deadline = Date.now() + 30_000;
    let payments = 0;
    while (Date.now() < deadline) {
      payments = (await api.search({ q: 'name="POST /process-payment"', lookback: '1h', limit: 100 })).total;
      if (payments >= 6) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    // This test made 2 payments, and the demo 1 at start: the rest came from the load.
    expect(payments).toBeGreaterThanOrEqual(6);
    expect(await api.services()).toEqual(
      expect.arrayContaining(['auth', 'bands', 'chain', 'chain-cpu', 'chain-io', 'fraud-model', 'jobs-api', 'nats-worker', 'payment-provider', 'payments-gateway', 'rabbitmq-worker', 'reviews']),
    );
  });

  it('Ctrl+C stops every service, then tracelight, and exits 0', async () => {
    const code = await demo.stop('SIGINT');
    expect(code).toBe(0);
    expect(demo.stdout()).toContain('tracelight: stopped');
    for (const offset of [0, 1, 2, 3, 10, 11, 20, 21, 22, 30]) expect(await portInUse(BASE + offset), `port ${BASE + offset}`).toBe(false);
    // The workers have no port: look for any process left with this demo's environment.
    const left = readdirSync('/proc').filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`TOPIC_PREFIX=${PREFIX}`);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
    noStackTrace(demo.stderr());
  }, 60_000);
});

describe('tracelight demo: what a newcomer sees when something is missing', () => {
  const OTHER = 21960;

  async function occupy(port: number): Promise<Server> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return server;
  }

  it('a demo port in use: one line naming the port and the service, exit 1, nothing started', async () => {
    const server = await occupy(OTHER + 10);
    try {
      const r = await runDemoCommand([...SERVER_PORTS, '--memory', '--base-port', String(OTHER)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `tracelight demo: port ${OTHER + 10} (bands) on 127.0.0.1 is already in use; stop what uses it, or move the demo's services with --base-port <port>`,
      );
      expect(r.stdout).not.toContain('tracelight is running');
    } finally {
      server.close();
    }
  });

  it('PostgreSQL, RabbitMQ or NATS not answering: one line each saying how to start it, exit 1', async () => {
    const r = await runDemoCommand([
      ...SERVER_PORTS,
      '--memory',
      '--base-port',
      String(OTHER),
      '--postgres',
      'postgres://postgres@127.0.0.1:21997/tracelight_demo_e2e',
      '--rabbitmq',
      'amqp://guest:guest@127.0.0.1:21998',
      '--nats',
      'nats://127.0.0.1:21999',
    ]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^tracelight demo: PostgreSQL is not answering on 127\.0\.0\.1:21997 \(ECONNREFUSED\)\. Start it \(.*\), or point the demo at another with --postgres <url>\.$/);
    expect(lines[1]).toMatch(/^tracelight demo: RabbitMQ is not answering on 127\.0\.0\.1:21998 \(ECONNREFUSED\)\. .* --rabbitmq <url>\.$/);
    expect(lines[2]).toMatch(/^tracelight demo: NATS is not answering on 127\.0\.0\.1:21999 \(ECONNREFUSED\)\. .* --nats <url>\.$/);
    expect(r.stdout).not.toContain('tracelight is running');
  });

  it('a failure after tracelight started (a database it cannot create) stops everything with one line, exit 1', async () => {
    const r = await runDemoCommand([...SERVER_PORTS, '--memory', '--base-port', String(OTHER), '--postgres', 'postgres://postgres@127.0.0.1:5432/Not-A-Name']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('tracelight is running');
    expect(r.stderr.trim()).toBe('tracelight: the database name must be a plain lower-case identifier (got "Not-A-Name")');
    for (const offset of [0, 10, 30]) expect(await portInUse(OTHER + offset)).toBe(false);
  });

  it('bad flags exit 2 with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['--rate', '0'], /--rate must be a number of requests per second/],
      [['--rate', '2', '--no-load'], /--rate and --no-load are contradictory/],
      [['--failure-rate', '1.5'], /--failure-rate must be a number from 0 to 1/],
      [['--base-port', '80'], /--base-port must be a port from 1024 to 65505/],
      [['--postgres', 'mysql://x'], /--postgres must be a postgres:\/\/ URL/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await runDemoCommand(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      noStackTrace(r.stderr);
    }
  });
});
