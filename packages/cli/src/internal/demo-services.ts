/**
 * The demo system: which program in `examples/` runs as which service, on which port. Ports are
 * `basePort + offset` (8000 + offset by default); every service gets the addresses of the others
 * and of the infrastructure through environment variables (read by `examples/shared/config.ts`).
 */

export interface DemoService {
  /** `service.name` of its spans. */
  readonly name: string;
  /** Path under `examples/`. */
  readonly script: string;
  /** Port offset from the base port; workers without an HTTP port have none. */
  readonly offset?: number;
  /** What it is, for people. */
  readonly role: string;
}

export const DEMO_SERVICES: readonly DemoService[] = [
  { name: 'payments-gateway', script: 'payments/gateway.ts', offset: 0, role: 'Fastify: POST /process-payment' },
  { name: 'auth', script: 'payments/auth.ts', offset: 1, role: 'Express: token check' },
  { name: 'payment-provider', script: 'payments/provider.ts', offset: 2, role: 'node:http: the slow, flaky external provider' },
  { name: 'fraud-model', script: 'payments/fraud-model.ts', offset: 3, role: 'Hono: CPU-bound fraud scoring' },
  { name: 'bands', script: 'bands/bands.ts', offset: 10, role: 'Hono: GET /bands/:id' },
  { name: 'reviews', script: 'bands/reviews.ts', offset: 11, role: 'node:http + PostgreSQL' },
  { name: 'chain', script: 'chain/chain.ts', offset: 20, role: 'Express: GET /chain' },
  { name: 'chain-io', script: 'chain/chain.ts', offset: 21, role: 'Express: /io_task' },
  { name: 'chain-cpu', script: 'chain/chain.ts', offset: 22, role: 'Express: /cpu_task' },
  { name: 'jobs-api', script: 'messaging/jobs-api.ts', offset: 30, role: 'Fastify: POST /jobs onto NATS and RabbitMQ' },
  { name: 'nats-worker', script: 'messaging/nats-worker.ts', role: 'NATS: first → second → third' },
  { name: 'rabbitmq-worker', script: 'messaging/rabbitmq-worker.ts', role: 'RabbitMQ: first → second → third' },
];

/** The payments gateway's port, the demo's front door; the others follow it. */
export const DEFAULT_BASE_PORT = 8000;

export const LOAD_SCRIPT = 'load.ts';
export const SETUP_SCRIPT = 'setup.ts';
export const SAMPLE_SCRIPT = 'sample.ts';

export interface DemoSettings {
  readonly basePort: number;
  /** OTLP/HTTP base URL of the running tracelight. */
  readonly otlpHttpUrl: string;
  readonly postgresUrl: string;
  readonly rabbitmqUrl: string;
  readonly natsUrl: string;
  readonly providerFailureRate: number;
  readonly rate: number;
}

export function portOf(service: DemoService, basePort: number): number | undefined {
  return service.offset === undefined ? undefined : basePort + service.offset;
}

function url(settings: DemoSettings, name: string): string {
  const service = DEMO_SERVICES.find((s) => s.name === name)!;
  return `http://127.0.0.1:${portOf(service, settings.basePort)}`;
}

/** Where the services find each other and the infrastructure (see examples/shared/config.ts). */
export function sharedEnv(settings: DemoSettings): Record<string, string> {
  return {
    GATEWAY_URL: url(settings, 'payments-gateway'),
    AUTH_URL: url(settings, 'auth'),
    PROVIDER_URL: url(settings, 'payment-provider'),
    FRAUD_MODEL_URL: url(settings, 'fraud-model'),
    BANDS_URL: url(settings, 'bands'),
    REVIEWS_URL: url(settings, 'reviews'),
    CHAIN_URL: url(settings, 'chain'),
    CHAIN_IO_URL: url(settings, 'chain-io'),
    CHAIN_CPU_URL: url(settings, 'chain-cpu'),
    JOBS_URL: url(settings, 'jobs-api'),
    DATABASE_URL: settings.postgresUrl,
    AMQP_URL: settings.rabbitmqUrl,
    NATS_URL: settings.natsUrl,
    // Queues and subjects are `demo.first`…; another demo on other ports (say, the e2e test)
    // shares the brokers under its own names.
    TOPIC_PREFIX: settings.basePort === DEFAULT_BASE_PORT ? 'demo' : `demo-${settings.basePort}`,
    PROVIDER_FAILURE_RATE: String(settings.providerFailureRate),
    LOAD_RATE: String(settings.rate),
  };
}

/** The environment of one instrumented service. */
export function serviceEnv(service: DemoService, settings: DemoSettings): Record<string, string> {
  const port = portOf(service, settings.basePort);
  return {
    ...sharedEnv(settings),
    ...(port === undefined ? {} : { PORT: String(port) }),
    OTEL_SERVICE_NAME: service.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: settings.otlpHttpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    // pino records go to tracelight too, next to the spans of the request that wrote them.
    OTEL_LOGS_EXPORTER: 'otlp',
  };
}
