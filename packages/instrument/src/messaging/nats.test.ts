import type { Span } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type * as Nats from 'nats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { close, describeChain, listen, untracedFetch } from '../internal/test-servers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { processNatsMessage, processNatsMessages } from './nats.js';

// The real NATS server on this machine (127.0.0.1:4222, JetStream enabled): HTTP request ->
// publish -> subscriber -> onward HTTP call must be one trace.
const require = createRequire(import.meta.url);
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER = `00-${TRACE}-b7ad6b7169203331-01`;
const run = `t${process.pid}${Date.now()}`;
let t: TestTracing;
let nats: typeof Nats;
let nc: Nats.NatsConnection;
let http: typeof Http;
let front: Http.Server;
let onward: Http.Server;
let frontUrl = '';
let onwardUrl = '';

beforeAll(async () => {
  t = startTestTracing({ serviceName: 'nats-test' });
  nats = require('nats') as typeof Nats;
  http = require('node:http') as typeof Http;
  nc = await nats.connect({ servers: '127.0.0.1:4222' });
  onward = http.createServer((_req, res) => res.end('ok'));
  onwardUrl = await listen(onward);
  front = http.createServer((req, res) => {
    const subject = `${run}.${req.url!.slice(1)}`;
    void (async () => {
      if (req.url === '/js') {
        await nc.jetstream().publish(`${run}.js`, new TextEncoder().encode('hello'), { msgID: `${run}-1` });
      } else {
        nc.publish(subject, new TextEncoder().encode('hello'));
      }
      res.statusCode = 202;
      res.end();
    })();
  });
  frontUrl = await listen(front);
});

afterAll(async () => {
  await close(front);
  await close(onward);
  const jsm = await nc?.jetstreamManager().catch(() => undefined);
  await jsm?.streams.delete(run).catch(() => undefined);
  await nc?.drain();
  await t.shutdown();
});

beforeEach(() => t.reset());

function byKind(spans: ReadableSpan[], kind: SpanKind, name?: string): ReadableSpan | undefined {
  return spans.find((s) => s.kind === kind && (name === undefined || s.name === name));
}

describe('NATS', () => {
  it('core publish/subscribe: one trace from the HTTP request to the consumer and onward', async () => {
    nc.subscribe(`${run}.orders`, {
      callback: (_err, _msg) => {
        void fetch(`${onwardUrl}/after-orders`).then((r) => r.text());
      },
    });
    await nc.flush();
    const res = await untracedFetch(`${frontUrl}/orders`, { headers: { traceparent: CALLER } });
    expect(res.status).toBe(202);
    const spans = await t.waitForSpans((s) => s.filter((x) => x.kind === SpanKind.SERVER).length >= 2 && s.some((x) => x.kind === SpanKind.CLIENT));
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/orders');
    const producer = byKind(spans, SpanKind.PRODUCER);
    const consumer = byKind(spans, SpanKind.CONSUMER);
    const client = byKind(spans, SpanKind.CLIENT);
    const onwardServer = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/after-orders');
    expect(describeChain([server, producer, consumer, client, onwardServer])).toBe('ok');
    expect(server!.spanContext().traceId).toBe(TRACE);
    expect(producer!.name).toBe(`publish ${run}.orders`);
    expect(producer!.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': `${run}.orders`,
      'messaging.operation.type': 'send',
      'messaging.message.body.size': 5,
    });
    expect(consumer!.name).toBe(`process ${run}.orders`);
    expect(consumer!.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.system': 'nats' });
    expect(consumer!.links.map((l) => l.context.spanId)).toEqual([producer!.spanContext().spanId]);
  });

  it('request/reply: the responder runs in a consumer span under the requester', async () => {
    nc.subscribe(`${run}.rpc`, {
      queue: 'workers',
      callback: (_err, msg) => {
        msg.respond(new TextEncoder().encode('pong'));
      },
    });
    await nc.flush();
    const reply = await nc.request(`${run}.rpc`, new TextEncoder().encode('ping'), { timeout: 2000 });
    expect(new TextDecoder().decode(reply.data)).toBe('pong');
    const spans = await t.waitForSpans((s) => s.some((x) => x.kind === SpanKind.CONSUMER) && s.some((x) => x.kind === SpanKind.PRODUCER));
    const producer = byKind(spans, SpanKind.PRODUCER)!;
    const consumer = byKind(spans, SpanKind.CONSUMER)!;
    expect(producer.name).toBe(`request ${run}.rpc`);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes['messaging.consumer.group.name']).toBe('workers');
    // the reply to the inbox gets no span of its own
    expect(spans.filter((s) => s.name.includes('_INBOX'))).toEqual([]);
  });

  it('JetStream: publish carries the context; a pulled message and a batch are processed in consumer spans', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: run, subjects: [`${run}.js`] });
    await jsm.consumers.add(run, { durable_name: 'c1', ack_policy: nats.AckPolicy.Explicit });
    await (await untracedFetch(`${frontUrl}/js`, { headers: { traceparent: CALLER } })).text();
    const js = nc.jetstream();
    for (let i = 2; i <= 3; i++) {
      await js.publish(`${run}.js`, new TextEncoder().encode(`m${i}`), { msgID: `${run}-${i}` });
    }
    const consumer = await js.consumers.get(run, 'c1');
    const first = await consumer.next({ expires: 2000 });
    expect(first).not.toBeNull();
    await processNatsMessage(first!, async () => {
      await (await fetch(`${onwardUrl}/after-js`)).text();
      first!.ack();
    });
    const batch: Nats.JsMsg[] = [];
    const iter = await consumer.fetch({ max_messages: 2, expires: 2000 });
    for await (const m of iter) {
      batch.push(m);
      if (batch.length === 2) break;
    }
    processNatsMessages(batch, (span: Span) => {
      span.setAttribute('app.batch', true);
      for (const m of batch) m.ack();
    });

    const spans = await t.waitForSpans(
      (s) => s.filter((x) => x.kind === SpanKind.CONSUMER).length >= 2 && s.filter((x) => x.kind === SpanKind.SERVER).length >= 2 && s.some((x) => x.kind === SpanKind.CLIENT),
    );
    const producers = spans.filter((s) => s.kind === SpanKind.PRODUCER && s.name === `publish ${run}.js`);
    expect(producers).toHaveLength(3);
    const fromHttp = producers.find((p) => p.spanContext().traceId === TRACE)!;
    expect(fromHttp.attributes['messaging.message.id']).toBe(`${run}-1`);
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/js');
    const single = spans.find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.batch.message_count'] === undefined);
    const client = byKind(spans, SpanKind.CLIENT);
    const onwardServer = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/after-js');
    expect(describeChain([server, fromHttp, single, client, onwardServer])).toBe('ok');
    const batchSpan = spans.find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.batch.message_count'] === 2)!;
    expect(batchSpan.name).toBe(`process ${run}.js`);
    const others = producers.filter((p) => p !== fromHttp).map((p) => p.spanContext().spanId).sort();
    expect(batchSpan.links.map((l) => l.context.spanId).sort()).toEqual(others);
    expect(batchSpan.parentSpanContext).toBeUndefined();
  });
});
