import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { pino } from 'pino';

/**
 * What every demo service shares: a pino logger (the kit adds `trace_id` and `span_id` to every
 * record written inside a traced request, and sends the records over OTLP when
 * `OTEL_LOGS_EXPORTER=otlp`), a readiness signal for `tracelight demo`, and a clean stop.
 */

export function createLogger(): Logger {
  return pino({ base: { service: process.env.OTEL_SERVICE_NAME ?? 'demo' } });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tells `tracelight demo` (over the IPC channel it opens) that this service serves; run alone,
 * it only logs.
 */
export function ready(log: Logger, what: string): void {
  log.info(`ready: ${what}`);
  process.send?.({ ready: true, what });
}

/**
 * Runs `close` once on SIGTERM, SIGINT, or when `tracelight demo` goes away (its IPC channel
 * closes), then lets the process end by itself: the kit's own SIGTERM handler is flushing the
 * last spans meanwhile, and exiting by hand could cut that short. A deadline guards against a
 * handle that never closes.
 */
export function onStop(log: Logger, close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${why})`);
    setTimeout(() => process.exit(0), 5_000).unref();
    if (process.connected) process.disconnect();
    close().catch((err: unknown) => log.error({ err }, 'error while stopping'));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('disconnect', () => stop('tracelight demo went away'));
}

/**
 * Plain `node:http` has no routes, so its server spans are named by the method alone (`GET`).
 * A handler that knows its route names the span after it (`GET /reviews`), as frameworks do.
 */
export function nameRoute(method: string, route: string): void {
  const span = trace.getActiveSpan();
  span?.setAttribute('http.route', route);
  span?.updateName(`${method} ${route}`);
}

/** Stops accepting, drops idle keep-alive connections (the load generator's), resolves when closed. */
export function closeServer(server: { close(done: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** Reads a fetch response as JSON, failing with the status and the body's start when it is not 2xx. */
export async function expectJson<T>(res: Response, what: string): Promise<T> {
  const body = await res.text();
  if (!res.ok) throw new HttpError(res.status, `${what} answered ${res.status}: ${body.slice(0, 200)}`);
  return JSON.parse(body) as T;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}
