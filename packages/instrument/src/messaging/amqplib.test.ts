import { SpanKind } from '@opentelemetry/api';
import type * as Amqp from 'amqplib';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, describeChain, listen, untracedFetch } from '../internal/test-servers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';

// The real RabbitMQ on this machine (127.0.0.1:5672) through the official amqplib
// instrumentation the kit enables: HTTP request -> publish -> consumer -> onward HTTP call.
const require = createRequire(import.meta.url);
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const queue = `tracelight-test-${process.pid}-${Date.now()}`;
let t: TestTracing;
let conn: Amqp.ChannelModel;
let ch: Amqp.Channel;
let front: Http.Server;
let onward: Http.Server;
let frontUrl = '';
let onwardUrl = '';

beforeAll(async () => {
  t = startTestTracing({ serviceName: 'amqp-test' });
  const amqp = require('amqplib') as typeof Amqp;
  const http = require('node:http') as typeof Http;
  conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  ch = await conn.createChannel();
  await ch.assertQueue(queue, { autoDelete: true });
  onward = http.createServer((_req, res) => res.end('ok'));
  onwardUrl = await listen(onward);
  front = http.createServer((_req, res) => {
    ch.sendToQueue(queue, Buffer.from('{"order":1}'), { contentType: 'application/json' });
    res.statusCode = 202;
    res.end();
  });
  frontUrl = await listen(front);
});

afterAll(async () => {
  await close(front);
  await close(onward);
  await ch?.deleteQueue(queue).catch(() => undefined);
  await conn?.close().catch(() => undefined);
  await t.shutdown();
});

describe('RabbitMQ (amqplib)', () => {
  it('one trace from the HTTP request through the queue to the consumer and onward', async () => {
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      void fetch(`${onwardUrl}/after-queue`)
        .then((r) => r.text())
        .finally(() => ch.ack(msg));
    });
    const res = await untracedFetch(`${frontUrl}/orders`, { headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` } });
    expect(res.status).toBe(202);
    const spans = await t.waitForSpans((s) => s.filter((x) => x.kind === SpanKind.SERVER).length >= 2 && s.some((x) => x.kind === SpanKind.CLIENT));
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/orders');
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER);
    const client = spans.find((s) => s.kind === SpanKind.CLIENT);
    const onwardServer = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/after-queue');
    expect(describeChain([server, producer, consumer, client, onwardServer])).toBe('ok');
    expect(server!.spanContext().traceId).toBe(TRACE);
    expect(producer!.attributes['messaging.system']).toBe('rabbitmq');
    expect(consumer!.attributes['messaging.system']).toBe('rabbitmq');
    expect(JSON.stringify({ ...producer!.attributes, ...consumer!.attributes })).toContain(queue);
  });
});
