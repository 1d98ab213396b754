import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { NatsInstrumentation } from './messaging/nats.js';

/**
 * The instrumentations the kit turns on, by name. All are on by default; names follow
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS`.
 * Incoming HTTP (http/server-instrumentation.ts), fetch/undici (http/undici-client.ts) and
 * Fastify route names (http/fastify.ts) are the kit's own, enabled by start-tracing.ts under the
 * names `http`, `undici` and `fastify`; Hono uses the `tracelight()` middleware from
 * `@tracelight/instrument/hono`.
 */
export const INSTRUMENTATION_NAMES = [
  'http',
  'undici',
  'express',
  'fastify',
  'amqplib',
  'kafkajs',
  'nats',
  'ioredis',
  'redis',
  'pg',
  'mysql2',
  'pino',
  'winston',
] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

export interface InstrumentationSettings {
  enabled: ReadonlySet<InstrumentationName>;
  /** Keep Express' per-middleware / router / handler spans (default false: one span per request). */
  expressLayerSpans: boolean;
  /** Send pino records to the global OpenTelemetry logger provider (logs export on). */
  logSending: boolean;
  /** Extra `@opentelemetry/instrumentation-http` settings. */
  http?: HttpInstrumentationConfig;
}

export function createInstrumentations(settings: InstrumentationSettings): Instrumentation[] {
  const on = (name: InstrumentationName): boolean => settings.enabled.has(name);
  const out: Instrumentation[] = [];
  if (on('http')) {
    out.push(
      // Incoming requests are traced by the kit's leaner server instrumentation (http/server-instrumentation.ts).
      new HttpInstrumentation({ ...settings.http, disableIncomingRequestInstrumentation: true }),
    );
  }
  if (on('express')) {
    out.push(
      new ExpressInstrumentation(
        settings.expressLayerSpans
          ? {}
          : { ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER] },
      ),
    );
  }
  if (on('amqplib')) out.push(new AmqplibInstrumentation());
  if (on('kafkajs')) out.push(new KafkaJsInstrumentation());
  if (on('nats')) out.push(new NatsInstrumentation());
  if (on('ioredis')) out.push(new IORedisInstrumentation());
  if (on('redis')) out.push(new RedisInstrumentation());
  if (on('pg')) out.push(new PgInstrumentation());
  if (on('mysql2')) out.push(new MySQL2Instrumentation());
  if (on('pino')) out.push(new PinoInstrumentation({ disableLogSending: !settings.logSending }));
  // Winston's log sending needs @opentelemetry/winston-transport, which we do not ship.
  if (on('winston')) out.push(new WinstonInstrumentation({ disableLogSending: true }));
  return out;
}
