/**
 * Where the demo services find each other and the infrastructure. Every value comes from an
 * environment variable (set by `tracelight demo`), with the demo's documented default, so any
 * service also runs alone: `node --import @tracelight/instrument/register examples/bands/bands.ts`.
 * Read when called, never at import time.
 */

const DEFAULT_PORTS = {
  gateway: 8000,
  auth: 8001,
  provider: 8002,
  fraudModel: 8003,
  bands: 8010,
  reviews: 8011,
  chain: 8020,
  chainIo: 8021,
  chainCpu: 8022,
  jobs: 8030,
} as const;

function text(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

function number(name: string, fallback: number): number {
  const value = Number(text(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number (got ${JSON.stringify(process.env[name])})`);
  return value;
}

function local(port: number): string {
  return `http://127.0.0.1:${port}`;
}

export interface DemoConfig {
  /** This service's HTTP port (`PORT`). */
  port(fallback: keyof typeof DEFAULT_PORTS): number;
  gatewayUrl: string;
  authUrl: string;
  providerUrl: string;
  fraudModelUrl: string;
  bandsUrl: string;
  reviewsUrl: string;
  chainUrl: string;
  chainIoUrl: string;
  chainCpuUrl: string;
  jobsUrl: string;
  /** PostgreSQL, the demo database (`DATABASE_URL`). */
  databaseUrl: string;
  amqpUrl: string;
  natsUrl: string;
  /** Prefix of queue and subject names, so two demos can share a broker (`TOPIC_PREFIX`). */
  topicPrefix: string;
  /** Secret the auth service signs tokens with (the load generator makes tokens with it too). */
  tokenSecret: string;
  /** Share of provider calls that fail at random, 0..1. */
  providerFailureRate: number;
  /** Typical provider latency in ms (each call varies around it, with rare slow outliers). */
  providerLatencyMs: number;
  /** Requests per second the load generator sends, all scenarios together. */
  loadRate: number;
}

export function demoConfig(): DemoConfig {
  return {
    port: (fallback) => number('PORT', DEFAULT_PORTS[fallback]),
    gatewayUrl: text('GATEWAY_URL', local(DEFAULT_PORTS.gateway)),
    authUrl: text('AUTH_URL', local(DEFAULT_PORTS.auth)),
    providerUrl: text('PROVIDER_URL', local(DEFAULT_PORTS.provider)),
    fraudModelUrl: text('FRAUD_MODEL_URL', local(DEFAULT_PORTS.fraudModel)),
    bandsUrl: text('BANDS_URL', local(DEFAULT_PORTS.bands)),
    reviewsUrl: text('REVIEWS_URL', local(DEFAULT_PORTS.reviews)),
    chainUrl: text('CHAIN_URL', local(DEFAULT_PORTS.chain)),
    chainIoUrl: text('CHAIN_IO_URL', local(DEFAULT_PORTS.chainIo)),
    chainCpuUrl: text('CHAIN_CPU_URL', local(DEFAULT_PORTS.chainCpu)),
    jobsUrl: text('JOBS_URL', local(DEFAULT_PORTS.jobs)),
    databaseUrl: text('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/tracelight_demo'),
    amqpUrl: text('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672'),
    natsUrl: text('NATS_URL', 'nats://127.0.0.1:4222'),
    topicPrefix: text('TOPIC_PREFIX', 'demo'),
    tokenSecret: text('TOKEN_SECRET', 'tracelight-demo-secret'),
    providerFailureRate: number('PROVIDER_FAILURE_RATE', 0.1),
    providerLatencyMs: number('PROVIDER_LATENCY_MS', 1000),
    loadRate: number('LOAD_RATE', 3),
  };
}
