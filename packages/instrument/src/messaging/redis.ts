import type { Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { withConsumerSpan, withProducerSpan } from './common.js';

/**
 * Redis pub/sub messages and stream entries have no headers, so the trace context has to travel
 * inside them. Streams: as entry fields (`traceparent`, `tracestate`). Pub/sub: in a small JSON
 * envelope `{"tl":1,"headers":{...},"payload":"..."}` which `processRedisMessage` unwraps;
 * non-envelope messages pass through untouched. Works with `ioredis` and `redis` (node-redis)
 * clients alike.
 */

const SYSTEM = 'redis';

type Headers = Record<string, string>;
const recordSetter: TextMapSetter<Headers> = { set: (c, k, v) => void (c[k] = v) };
const recordGetter: TextMapGetter<Headers> = { keys: (c) => Object.keys(c), get: (c, k) => c[k] };

interface Envelope {
  tl: 1;
  headers: Headers;
  payload: string;
}

/** Any client with `publish(channel, message)` (ioredis, node-redis). */
export interface RedisPublisher {
  publish(channel: string, message: string): Promise<unknown>;
}

/** Publishes `payload` on `channel` in a PRODUCER span, with the trace context in an envelope. */
export function publishRedisMessage(client: RedisPublisher, channel: string, payload: string): Promise<unknown> {
  const headers: Headers = {};
  return withProducerSpan({ system: SYSTEM, destination: channel, carrier: headers, setter: recordSetter }, () =>
    client.publish(channel, JSON.stringify({ tl: 1, headers, payload } satisfies Envelope)),
  );
}

/** Splits an envelope into payload and headers; other messages come back as they are. */
export function unwrapRedisMessage(message: string): { payload: string; headers: Headers } {
  if (message.startsWith('{"tl":1')) {
    try {
      const env = JSON.parse(message) as Partial<Envelope>;
      if (env.tl === 1 && typeof env.payload === 'string' && env.headers && typeof env.headers === 'object') {
        return { payload: env.payload, headers: env.headers };
      }
    } catch {
      // not ours after all
    }
  }
  return { payload: message, headers: {} };
}

/** Runs `handle(payload)` in a CONSUMER span, child of the publisher's span. */
export function processRedisMessage<T>(channel: string, message: string, handle: (payload: string, span: Span) => T): T {
  const { payload, headers } = unwrapRedisMessage(message);
  return withConsumerSpan({ system: SYSTEM, destination: channel, carriers: [headers], getter: recordGetter }, (span) =>
    handle(payload, span),
  );
}

/** Any client with ioredis' `xadd(key, id, ...fields)` or node-redis' `xAdd(key, id, record)`. */
export type RedisStreamClient =
  | { xadd(key: string, id: string, ...fieldsAndValues: string[]): Promise<unknown> }
  | { xAdd(key: string, id: string, message: Record<string, string>): Promise<unknown> };

/** Appends an entry to `stream` in a PRODUCER span; the trace context goes in as fields. */
export function addRedisStreamEntry(client: RedisStreamClient, stream: string, fields: Record<string, string>): Promise<unknown> {
  const entry: Headers = { ...fields };
  return withProducerSpan({ system: SYSTEM, destination: stream, carrier: entry, setter: recordSetter }, () => {
    if ('xAdd' in client && typeof client.xAdd === 'function') return client.xAdd(stream, '*', entry);
    if ('xadd' in client && typeof client.xadd === 'function') return client.xadd(stream, '*', ...Object.entries(entry).flat());
    throw new TypeError('client has neither xadd nor xAdd');
  });
}

/** A stream entry as ioredis returns it (`[id, [field, value, ...]]`) or node-redis (`{ id, message }`). */
export type RedisStreamEntry = [string, string[]] | { id: string; message: Record<string, string> };

/** The fields of an entry as a record, whichever client read it. */
export function redisStreamFields(entry: RedisStreamEntry): Record<string, string> {
  if (Array.isArray(entry)) {
    const out: Record<string, string> = {};
    const list = entry[1];
    for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
    return out;
  }
  return entry.message;
}

/**
 * Runs `handle` in one CONSUMER span for entries read from `stream`: a child of the producer for
 * a single entry, linked to every producer for several.
 */
export function processRedisStreamEntries<T>(stream: string, entries: readonly RedisStreamEntry[], handle: (span: Span) => T): T {
  return withConsumerSpan(
    { system: SYSTEM, destination: stream, carriers: entries.map(redisStreamFields), getter: recordGetter },
    handle,
  );
}
