import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { context, propagation } from '@opentelemetry/api';
import { extractMessageContext } from './common.js';

/**
 * Kafka record headers as a propagation carrier, for kafkajs messages
 * (`{ headers?: { [key]: Buffer | string | (Buffer | string)[] | undefined } }`). The official
 * kafkajs instrumentation injects and extracts on its own; these are for code that moves records
 * by hand (outbox relays, batch processing with links).
 */

export type KafkaHeaderValue = Buffer | string | Array<Buffer | string> | undefined;
export interface KafkaMessageLike {
  headers?: Record<string, KafkaHeaderValue>;
}

export const kafkaHeadersGetter: TextMapGetter<KafkaMessageLike> = {
  keys: (m) => Object.keys(m.headers ?? {}),
  get: (m, key) => {
    const v = m.headers?.[key];
    if (v === undefined) return undefined;
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? undefined : first.toString();
  },
};

export const kafkaHeadersSetter: TextMapSetter<KafkaMessageLike> = {
  set: (m, key, value) => {
    m.headers = { ...m.headers, [key]: value };
  },
};

/** Writes the active (or given) context into the message's headers. */
export function injectKafkaHeaders<M extends KafkaMessageLike>(message: M, ctx: Context = context.active()): M {
  propagation.inject(ctx, message, kafkaHeadersSetter);
  return message;
}

/** The context a Kafka message carries. */
export function extractKafkaContext(message: KafkaMessageLike): Context {
  return extractMessageContext(message, kafkaHeadersGetter);
}
