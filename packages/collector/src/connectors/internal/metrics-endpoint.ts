import type { Listener } from '../../component.js';
import type { HttpListener } from '../../internal/http-listener.js';
import { createHttpListener } from '../../internal/http-listener.js';
import type { Endpoint } from '../../internal/schema.js';
import { formatHostPort } from '../../listen-error.js';

/** Something that writes Prometheus text families (HELP, TYPE, samples) into `out`. */
export interface MetricsSource {
  render(out: string[]): void;
}

/** One source's hold on an endpoint; `release()` is idempotent. `listener()` is given by one source of an endpoint only. */
export interface EndpointLease {
  address(): { host: string; port: number } | undefined;
  listener(): Listener | undefined;
  release(): Promise<void>;
}

interface Shared {
  readonly http: HttpListener;
  readonly sources: Set<MetricsSource>;
  starting: Promise<void>;
}

// The span-metrics and service-graph connectors both default to 127.0.0.1:8889, as one scrape
// target: the endpoint is shared by the sources of one collector that name the same host:port,
// opened by the first to start and closed by the last to stop. `scope` is the collector's
// (its telemetry registry), so two collectors in one process never share.
const endpoints = new WeakMap<object, Map<string, Shared>>();

/** Renders every source of an endpoint as one exposition. */
function renderAll(sources: Iterable<MetricsSource>): string {
  const out: string[] = [];
  for (const s of sources) s.render(out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * Serves `source` at `GET /metrics` on `endpoint` (Prometheus text 0.0.4), together with the other
 * sources of the same scope on the same endpoint. Rejects with a ListenError when the port is
 * taken.
 */
export async function leaseMetricsEndpoint(scope: object, endpoint: Endpoint, source: MetricsSource): Promise<EndpointLease> {
  let byKey = endpoints.get(scope);
  if (!byKey) endpoints.set(scope, (byKey = new Map()));
  const key = formatHostPort(endpoint.host, endpoint.port);
  let shared = byKey.get(key);
  if (!shared) {
    const sources = new Set<MetricsSource>();
    const http = createHttpListener({
      component: 'span-metrics',
      host: endpoint.host,
      port: endpoint.port,
      shutdownTimeoutMs: 2_000,
      onRequest(req, res) {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
          res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('span-derived metrics are at GET /metrics\n');
          return;
        }
        let body: string;
        try {
          body = renderAll(sources);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`cannot render metrics: ${(err as Error).message}\n`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
    });
    const made: Shared = { http, sources, starting: http.start() };
    shared = made;
    byKey.set(key, made);
    made.starting.catch(() => {
      if (byKey.get(key) === made) byKey.delete(key);
    });
  }
  const s = shared;
  await s.starting;
  s.sources.add(source);
  let released: Promise<void> | undefined;
  const address = () => s.http.address();
  return {
    address,
    listener() {
      // Reported once per endpoint (by the first source on it), so a port shows up once.
      if (s.sources.values().next().value !== source) return undefined;
      const a = address();
      return a ? { name: 'span metrics', host: a.host, port: a.port, display: `http://${formatHostPort(a.host, a.port)}/metrics` } : undefined;
    },
    release() {
      released ??= (async () => {
        s.sources.delete(source);
        if (s.sources.size > 0) return;
        if (byKey.get(key) === s) byKey.delete(key);
        await s.http.shutdown();
      })();
      return released;
    },
  };
}

/**
 * start / shutdown / listeners of a connector that serves `source` on a (shared) metrics
 * endpoint; `onStart` / `onShutdown` add the connector's own timers.
 */
export function endpointLifecycle(
  scope: object,
  endpoint: Endpoint,
  source: MetricsSource,
  hooks: { onStart?: () => void; onShutdown?: () => void } = {},
): { start(): Promise<void>; shutdown(): Promise<void>; listeners(): readonly Listener[] } {
  let lease: EndpointLease | undefined;
  let shutdownPromise: Promise<void> | undefined;
  return {
    async start() {
      lease ??= await leaseMetricsEndpoint(scope, endpoint, source);
      hooks.onStart?.();
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        hooks.onShutdown?.();
        await lease?.release();
      })();
      return shutdownPromise;
    },
    listeners() {
      const l = lease?.listener();
      return l ? [l] : [];
    },
  };
}
