import { context, SpanKind, trace } from '@opentelemetry/api';
import type * as KafkaJs from 'kafkajs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { withConsumerSpan } from './common.js';
import type { KafkaMessageLike } from './kafka.js';
import { extractKafkaContext, injectKafkaHeaders, kafkaHeadersGetter } from './kafka.js';

const require = createRequire(import.meta.url);

/** Is a Kafka broker listening on 127.0.0.1:9092? (There is none on the dev machines.) */
function probeKafka(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 9092 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(300, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const kafka = await probeKafka();
let t: TestTracing;

beforeAll(() => {
  t = startTestTracing({ serviceName: 'kafka-test' });
});
afterAll(async () => {
  await t.shutdown();
});

// kafkajs' own record wire encoder and decoder (no broker needed): what a consumer gets back
// after the record went through Kafka has Buffer header values.
function throughTheWire(message: KafkaMessageLike & { key?: string; value: string }): KafkaMessageLike {
  const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => { buffer: Buffer };
  const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: unknown, ctx: object) => KafkaMessageLike;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => { readVarIntBytes(): Buffer };
  const bytes = encodeRecord({ key: message.key ?? null, value: Buffer.from(message.value), headers: message.headers }).buffer;
  const body = new Decoder(bytes).readVarIntBytes();
  return decodeRecord(new Decoder(body), { firstOffset: '0', firstTimestamp: '0', magicByte: 2 });
}

describe('Kafka header propagation (kafkajs message objects, no broker)', () => {
  it('injects traceparent/tracestate next to existing headers and extracts them after the wire', async () => {
    const tracer = t.tracing.tracerProvider.getTracer('app');
    const producer = tracer.startSpan('send orders', { kind: SpanKind.PRODUCER });
    const message: KafkaJs.Message = { key: 'k', value: 'v', headers: { 'app-id': Buffer.from('42') } };
    injectKafkaHeaders(message, trace.setSpan(context.active(), producer));
    producer.end();
    expect(typeof message.headers!.traceparent).toBe('string');
    expect(message.headers!['app-id']).toEqual(Buffer.from('42'));

    const received = throughTheWire({ key: 'k', value: 'v', headers: message.headers });
    expect(Buffer.isBuffer(received.headers!.traceparent)).toBe(true);
    const sc = trace.getSpanContext(extractKafkaContext(received))!;
    expect(sc.traceId).toBe(producer.spanContext().traceId);
    expect(sc.spanId).toBe(producer.spanContext().spanId);
    expect(sc.isRemote).toBe(true);
  });

  it('a batch consumer links to the producer of every record', async () => {
    const tracer = t.tracing.tracerProvider.getTracer('app');
    const producers = [0, 1, 2].map(() => tracer.startSpan('send', { kind: SpanKind.PRODUCER }));
    const records = producers.map((p, i) => {
      const m = injectKafkaHeaders({ value: `m${i}`, headers: {} }, trace.setSpan(context.active(), p));
      p.end();
      return throughTheWire({ value: `m${i}`, headers: m.headers });
    });
    withConsumerSpan({ system: 'kafka', destination: 'orders', carriers: records, getter: kafkaHeadersGetter }, () => undefined);
    const batch = (await t.waitForSpans((s) => s.some((x) => x.kind === SpanKind.CONSUMER))).find((s) => s.kind === SpanKind.CONSUMER)!;
    expect(batch.links.map((l) => l.context.spanId)).toEqual(producers.map((p) => p.spanContext().spanId));
    expect(batch.attributes['messaging.batch.message_count']).toBe(3);
  });

  it('ignores duplicated and malformed headers', () => {
    const dup = { headers: { traceparent: [Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), Buffer.from('x')] } };
    expect(trace.getSpanContext(extractKafkaContext(dup))?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(trace.getSpanContext(extractKafkaContext({ headers: { traceparent: Buffer.from('garbage') } }))).toBeUndefined();
    expect(trace.getSpanContext(extractKafkaContext({}))).toBeUndefined();
  });
});

describe('Kafka through a broker (kafkajs + the official instrumentation)', () => {
  // Skipped when no broker answers on 127.0.0.1:9092: the dev machines have no Kafka.
  it.skipIf(!kafka)('producer and eachMessage consumer spans form one trace', async () => {
    const { Kafka, logLevel } = require('kafkajs') as typeof KafkaJs;
    const client = new Kafka({ brokers: ['127.0.0.1:9092'], clientId: 'tracelight-test', logLevel: logLevel.NOTHING });
    const topic = `tracelight-test-${process.pid}-${Date.now()}`;
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = client.producer();
    const consumer = client.consumer({ groupId: `${topic}-g` });
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = new Promise<void>((resolve) => {
        void consumer.run({ eachMessage: async () => resolve() });
      });
      await t.tracing.tracerProvider.getTracer('app').startActiveSpan('root', async (root) => {
        await producer.send({ topic, messages: [{ value: 'hello' }] });
        root.end();
      });
      await got;
      const spans = await t.waitForSpans((s) => s.some((x) => x.kind === SpanKind.CONSUMER));
      const p = spans.find((s) => s.kind === SpanKind.PRODUCER)!;
      const c = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
      expect(c.spanContext().traceId).toBe(p.spanContext().traceId);
      expect(c.attributes['messaging.system']).toBe('kafka');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
