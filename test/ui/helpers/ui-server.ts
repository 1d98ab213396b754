// A Tracelight server for the browser tests and the UI benchmark: the real OTLP receiver
// (createCollector, OTLP/HTTP on a free port) writing into a real in-memory store, and the real
// query handler serving the API and packages/ui/dist on another free port: what `tracelight
// start` runs, in-process (the hostile-input test and the UI benchmark use it; test/ui/ui.test.ts
// runs the real `tracelight start`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Collector } from '@tracelight/collector';
import { createCollector } from '@tracelight/collector';
import type { FetchServer } from '@tracelight/query';
import { createFetchServer, createQueryHandler, createStaticHandler } from '@tracelight/query';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const UI_PACKAGE = join(ROOT, 'packages/ui');

/**
 * packages/ui/dist, built first when it is missing or older than its sources (under a lock, so
 * test files running at once build it once and never while another serves it). Returns its path.
 */
export function ensureUiDist(): string {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'build-ui.mjs');
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const run = hasFlock
    ? spawnSync('flock', ['/tmp/tracelight-ui-build.lock', process.execPath, script], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`building packages/ui failed:\n${run.stdout}\n${run.stderr}`);
  return join(UI_PACKAGE, 'dist');
}

export interface UiServer {
  /** The UI and query API, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:41235/v1/traces */
  readonly otlpTracesUrl: string;
  readonly store: Store;
  shutdown(): Promise<void>;
}

export interface UiServerOptions {
  /** The UI build to serve. */
  readonly distDir: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default: a memory store holding up to 2M spans. */
  readonly store?: Store;
  /** Start the OTLP receiver too. Default true. */
  readonly receiver?: boolean;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const store = options.store ?? createMemoryStore({ maxSpans: 2_000_000 });
  await store.start();
  let collector: Collector | undefined;
  let server: FetchServer | undefined;
  try {
    if (options.receiver !== false) {
      collector = createCollector({
        store,
        config: {
          receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
          processors: { batch: {} },
          exporters: { store: {} },
          service: { pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['store'] } }, telemetry: { metrics: { address: '127.0.0.1:0' } } },
        },
      });
      await collector.start();
    }
    const handler = createQueryHandler({ store, fallback: createStaticHandler({ root: options.distDir }) });
    server = createFetchServer({ handler, host: '127.0.0.1', port: options.port ?? 0 });
    await server.start();
  } catch (err) {
    await server?.shutdown();
    await collector?.shutdown();
    await store.shutdown();
    throw err;
  }
  const http = collector?.listeners().find((l) => l.name === 'OTLP/HTTP');
  let stopped = false;
  return {
    url: `http://127.0.0.1:${server.address()!.port}/`,
    otlpTracesUrl: http ? `http://127.0.0.1:${http.port}/v1/traces` : '',
    store,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await server?.shutdown();
      await collector?.shutdown();
      await store.shutdown();
    },
  };
}
