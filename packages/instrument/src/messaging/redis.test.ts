import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type * as IORedis from 'ioredis';
import type * as NodeRedis from 'redis';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeChain } from '../internal/test-servers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { withConsumerSpan } from './common.js';
import type { RedisStreamEntry } from './redis.js';
import { addRedisStreamEntry, processRedisMessage, processRedisStreamEntries, publishRedisMessage, unwrapRedisMessage } from './redis.js';

// The real Redis on this machine (127.0.0.1:6379), with both clients: pub/sub and streams carry
// the trace context; a consumer reading several stream entries links to each producer.
const require = createRequire(import.meta.url);
const prefix = `tracelight-test:${process.pid}:${Date.now()}`;
let t: TestTracing;
let io: IORedis.Redis;
let ioSub: IORedis.Redis;
let nr: ReturnType<typeof NodeRedis.createClient>;
let nrSub: ReturnType<typeof NodeRedis.createClient>;

beforeAll(async () => {
  t = startTestTracing({ serviceName: 'redis-test' });
  const { Redis } = require('ioredis') as typeof IORedis;
  const { createClient } = require('redis') as typeof NodeRedis;
  io = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  ioSub = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await io.connect();
  await ioSub.connect();
  nr = createClient({ url: 'redis://127.0.0.1:6379' });
  nrSub = nr.duplicate();
  await nr.connect();
  await nrSub.connect();
});

afterAll(async () => {
  await io?.del(`${prefix}:stream`, `${prefix}:stream2`).catch(() => undefined);
  io?.disconnect();
  ioSub?.disconnect();
  await nr?.quit().catch(() => undefined);
  await nrSub?.quit().catch(() => undefined);
  await t.shutdown();
});

beforeEach(() => t.reset());

const producersOf = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.PRODUCER);
const consumersOf = (spans: ReadableSpan[]) => spans.filter((s) => s.kind === SpanKind.CONSUMER);

describe('Redis pub/sub', () => {
  it('ioredis: the subscriber processes the message in a child of the publisher span', async () => {
    const channel = `${prefix}:events`;
    const got = new Promise<string>((resolve) => {
      ioSub.on('message', (ch: string, message: string) => {
        processRedisMessage(ch, message, (payload) => resolve(payload));
      });
    });
    await ioSub.subscribe(channel);
    await t.tracing.tracerProvider.getTracer('app').startActiveSpan('handle request', async (root) => {
      await publishRedisMessage(io, channel, 'hello');
      root.end();
    });
    expect(await got).toBe('hello');
    const spans = await t.waitForSpans((s) => consumersOf(s).length === 1);
    const root = spans.find((s) => s.name === 'handle request');
    const [producer] = producersOf(spans);
    const [consumer] = consumersOf(spans);
    expect(describeChain([root, producer, consumer])).toBe('ok');
    expect(producer.name).toBe(`publish ${channel}`);
    expect(consumer.name).toBe(`process ${channel}`);
    expect(consumer.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.destination.name': channel });
  });

  it('node-redis: same, and plain (non-envelope) messages pass through untouched', async () => {
    const channel = `${prefix}:events2`;
    const received: string[] = [];
    const done = new Promise<void>((resolve) => {
      void nrSub.subscribe(channel, (message) => {
        processRedisMessage(channel, message, (payload) => {
          received.push(payload);
          if (received.length === 2) resolve();
        });
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    await publishRedisMessage(nr, channel, '{"tl":1 is not json');
    await nr.publish(channel, 'raw');
    await done;
    expect(received).toEqual(['{"tl":1 is not json', 'raw']);
    const spans = await t.waitForSpans((s) => consumersOf(s).length === 2);
    const [producer] = producersOf(spans);
    const [first, second] = consumersOf(spans);
    expect(first.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(second.parentSpanContext).toBeUndefined();
    expect(unwrapRedisMessage('plain')).toEqual({ payload: 'plain', headers: {} });
  });
});

describe('Redis streams', () => {
  it('ioredis XADD/XRANGE: single entry is a child, a batch links to every producer', async () => {
    const stream = `${prefix}:stream`;
    await addRedisStreamEntry(io, stream, { order: '1' });
    await addRedisStreamEntry(io, stream, { order: '2' });
    const entries = (await io.xrange(stream, '-', '+')) as RedisStreamEntry[];
    expect(entries).toHaveLength(2);
    processRedisStreamEntries(stream, entries.slice(0, 1), () => undefined);
    processRedisStreamEntries(stream, entries, () => undefined);
    const spans = await t.waitForSpans((s) => consumersOf(s).length === 2);
    const producers = producersOf(spans);
    expect(producers.map((p) => p.name)).toEqual([`publish ${stream}`, `publish ${stream}`]);
    const [single, batch] = consumersOf(spans);
    expect(single.parentSpanContext?.spanId).toBe(producers[0].spanContext().spanId);
    expect(batch.attributes['messaging.batch.message_count']).toBe(2);
    expect(batch.links.map((l) => l.context.spanId)).toEqual(producers.map((p) => p.spanContext().spanId));
    // the entry's own fields are intact
    expect((entries[0] as [string, string[]])[1].slice(0, 2)).toEqual(['order', '1']);
  });

  it('node-redis xAdd/xRead works the same', async () => {
    const stream = `${prefix}:stream2`;
    await addRedisStreamEntry(nr, stream, { order: '9' });
    const read = (await nr.xRead({ key: stream, id: '0' })) as Array<{ messages: Array<{ id: string; message: Record<string, string> }> }>;
    const messages = read[0].messages;
    expect(messages[0].message.order).toBe('9');
    await processRedisStreamEntries(stream, messages, async () => undefined);
    const spans = await t.waitForSpans((s) => consumersOf(s).length === 1);
    expect(consumersOf(spans)[0].parentSpanContext?.spanId).toBe(producersOf(spans)[0].spanContext().spanId);
  });

  it('a failing handler marks the consumer span as an error and rethrows', async () => {
    expect(() =>
      withConsumerSpan({ system: 'redis', destination: 'x', carriers: [{}] }, () => {
        throw new Error('bad message');
      }),
    ).toThrow('bad message');
    const [span] = await t.waitForSpans((s) => consumersOf(s).length === 1);
    expect(span.status.code).toBe(2);
    expect(span.events[0].name).toBe('exception');
  });
});
