import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { logVerbosity, setLogVerbosity } from '@grpc/grpc-js';
import type { Collector, Listener } from '@tracelight/collector';
import { ConfigError, connectorReadsOf, createCollector, DEFAULT_MAX_BODY_BYTES, ListenError, remoteSamplingOf, withConnectorReads } from '@tracelight/collector';
import { createFetchServer, createQueryHandler, createStaticHandler } from '@tracelight/query';
import { COLLECTOR_FLAGS, composeCollectorConfig } from '../internal/collector-config.js';
import type { Io } from '../internal/io.js';
import { createStoreOf, DEFAULT_DATA_DIR, DEFAULT_STORE, STORE_SPEC_HELP } from '../internal/stores.js';

export interface StartOptions {
  readonly host: string;
  readonly otlpHttpPort: number;
  readonly otlpGrpcPort: number;
  readonly httpPort: number;
  readonly maxBodyBytes: number;
  /** `duckdb`, `memory` or a `clickhouse://` URL. */
  readonly store: string;
  readonly dataDir: string;
  readonly zipkinPort: number;
  readonly metricsPort: number;
  readonly spanMetricsPort: number;
  readonly samplingPort: number;
  /** The collector config file (YAML); the built-in default config when absent. */
  readonly config?: string;
  /** The collector flags given on the command line: with --config, only these override the file. */
  readonly given: readonly string[];
}

export const START_HELP = `Usage: tracelight start [options]

Runs the collector pipelines (receivers, processors, exporters) and the store in this process
until SIGINT/SIGTERM.

Options:
  --config <file.yaml>      collector config: receivers, processors, exporters, connectors,
                            service.pipelines (see docs/configuration.md); without it, the
                            default pipelines. Flags given with it override the file.
  --host <address>          address every port listens on (default 127.0.0.1)
  --otlp-grpc-port <port>   OTLP/gRPC receiver (default 4317)
  --otlp-http-port <port>   OTLP/HTTP receiver, POST /v1/traces and /v1/logs (default 4318)
  --zipkin-port <port>      Zipkin v2 JSON receiver, POST /api/v2/spans (default 9411)
  --metrics-port <port>     Tracelight's own metrics, GET /metrics (default 8888)
  --span-metrics-port <port>
                            span metrics and service graph (Prometheus), GET /metrics
                            (default 8889)
  --sampling-port <port>    Jaeger remote sampling, GET /api/sampling?service= (default 5778)
  --http-port <port>        web UI and query API (Jaeger /api, /api/v3, /api/tl) (default 16686)
  --max-body-bytes <size>   largest request after decompression, e.g. 20MiB (default 20MiB);
                            bigger ones get 413 / RESOURCE_EXHAUSTED
  --store <store>           where data is kept: ${STORE_SPEC_HELP}
                            (default ${DEFAULT_STORE})
  --data-dir <dir>          the DuckDB store's folder (default ${DEFAULT_DATA_DIR})
  --memory                  same as --store memory
  -h, --help                show this help

Port 0 picks a free port; the ports actually used are printed at start.`;

const FLAG_OF_COMPONENT: Readonly<Record<string, string>> = {
  'otlp-http': '--otlp-http-port',
  'otlp-grpc': '--otlp-grpc-port',
  zipkin: '--zipkin-port',
  metrics: '--metrics-port',
  'span-metrics': '--span-metrics-port',
  sampling: '--sampling-port',
  'http-api': '--http-port',
};

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function parsePort(flag: string, text: string): number | string {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 0 && n <= 65535 ? n : `${flag} must be a port number from 0 to 65535 (got ${JSON.stringify(text)})`;
}

function parseSize(flag: string, text: string): number | string {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : `${flag} must be a positive size in bytes, optionally with KiB/MiB/GiB (got ${JSON.stringify(text)})`;
}

export type ParseResult =
  | { readonly kind: 'run'; readonly options: StartOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** Parses `tracelight start` flags; every mistake is a one-line message (the caller exits 2). */
export function parseStartArgs(argv: readonly string[]): ParseResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        'otlp-grpc-port': { type: 'string' },
        'otlp-http-port': { type: 'string' },
        'http-port': { type: 'string' },
        'zipkin-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'span-metrics-port': { type: 'string' },
        'sampling-port': { type: 'string' },
        config: { type: 'string' },
        'max-body-bytes': { type: 'string' },
        store: { type: 'string' },
        'data-dir': { type: 'string' },
        memory: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'error', message: parseArgsProblem(err) };
  }
  if (values.help) return { kind: 'help' };
  const problems: string[] = [];
  const port = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const p = parsePort(flag, text);
    if (typeof p === 'string') problems.push(p);
    return typeof p === 'number' ? p : fallback;
  };
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') problems.push('--host must not be empty');
  const otlpGrpcPort = port('--otlp-grpc-port', values['otlp-grpc-port'], 4317);
  const otlpHttpPort = port('--otlp-http-port', values['otlp-http-port'], 4318);
  const httpPort = port('--http-port', values['http-port'], 16686);
  const zipkinPort = port('--zipkin-port', values['zipkin-port'], 9411);
  const metricsPort = port('--metrics-port', values['metrics-port'], 8888);
  const spanMetricsPort = port('--span-metrics-port', values['span-metrics-port'], 8889);
  const samplingPort = port('--sampling-port', values['sampling-port'], 5778);
  if (values.config !== undefined && values.config.trim() === '') problems.push('--config must name a file');
  let maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  if (values['max-body-bytes'] !== undefined) {
    const size = parseSize('--max-body-bytes', values['max-body-bytes']);
    if (typeof size === 'string') problems.push(size);
    else maxBodyBytes = size;
  }
  if (values.memory && values.store !== undefined && values.store !== 'memory') problems.push('--memory and --store are contradictory');
  const store = values.memory ? 'memory' : (values.store ?? DEFAULT_STORE);
  if (!/^(duckdb|memory|clickhouse:\/\/.+)$/.test(store)) problems.push(`--store must be ${STORE_SPEC_HELP} (got ${JSON.stringify(store)})`);
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  if (dataDir.trim() === '') problems.push('--data-dir must name a folder');
  if (problems.length > 0) return { kind: 'error', message: problems.join('; ') };
  const given = Object.keys(COLLECTOR_FLAGS).filter((flag) => values[flag.slice(2) as keyof typeof values] !== undefined);
  const options: StartOptions = { host, otlpGrpcPort, otlpHttpPort, httpPort, maxBodyBytes, store, dataDir, zipkinPort, metricsPort, spanMetricsPort, samplingPort, given };
  return { kind: 'run', options: values.config === undefined ? options : { ...options, config: values.config } };
}

/** node:util parseArgs errors, in one short line. */
function parseArgsProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch ((err as { code?: string }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}' (start takes only options)`;
    default:
      return message.split('\n')[0];
  }
}

function describeStartError(err: unknown): string {
  if (err instanceof ListenError && err.code === 'ADDRESS_IN_USE') {
    const flag = FLAG_OF_COMPONENT[err.component];
    return `port ${err.port} (${err.component}) on ${err.host} is already in use${flag ? `; choose another with ${flag}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** What runs around the server in the same process (`tracelight demo`). */
export interface StartHooks {
  /**
   * Runs once everything listens, before "ready" is printed. When it rejects, everything stops,
   * its message is printed and the exit code is 1. `signal` aborts on SIGINT/SIGTERM.
   */
  ready?(server: RunningServer, signal: AbortSignal): Promise<void>;
  /** Runs first on shutdown (also after a failed start), while the receivers still take data. */
  stopping?(): Promise<void>;
}

export interface RunningServer {
  readonly listeners: readonly Listener[];
  /** The HTTP API (and UI) address. */
  readonly http: { readonly host: string; readonly port: number } | undefined;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Runs until SIGINT or SIGTERM, then stops taking requests, lets in-flight ones finish, shuts the
 * store down and resolves 0. Resolves 1 when something cannot start (e.g. a port in use). A second
 * signal during shutdown exits at once with 1.
 */
export async function runStart(options: StartOptions, io: Io, hooks: StartHooks = {}): Promise<number> {
  // grpc-js writes its own error lines to stderr (e.g. "No address added" for a port in use);
  // every such failure reaches us as an error and is reported once, in our words.
  setLogVerbosity(logVerbosity.NONE);
  let file: { text: string; path: string } | undefined;
  if (options.config !== undefined) {
    try {
      file = { text: readFileSync(options.config, 'utf8'), path: options.config };
    } catch (err) {
      io.err(`tracelight start: cannot read --config ${options.config}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return 2;
    }
  }
  const created = createStoreOf({ spec: options.store, dataDir: options.dataDir });
  if ('problem' in created) {
    io.err(`tracelight start: ${created.problem}`);
    return 2;
  }
  const { store } = created;
  let collector: Collector;
  try {
    const composed = composeCollectorConfig(file, options, new Set(options.given));
    if ('problems' in composed) {
      for (const problem of composed.problems) io.err(`tracelight start: ${problem}`);
      return 2;
    }
    collector = createCollector({ store, config: composed.config });
  } catch (err) {
    if (err instanceof ConfigError) {
      const lines = err.message.split('\n');
      io.err(`tracelight start: invalid collector config${options.config ? ` in ${options.config}` : ''}:`);
      for (const line of lines) io.err(`  ${line}`);
      return 2;
    }
    throw err;
  }
  // Metrics and dependencies come from the connectors' aggregates when they hold the range; the
  // sampling strategies from the remote_sampling extension when one is configured.
  const sampling = remoteSamplingOf(collector);
  const uiDir = builtUiDir();
  const queryHandler = createQueryHandler({
    store: withConnectorReads(store, connectorReadsOf(collector)),
    samplingStrategy: sampling ? (service) => sampling.strategyFor(service) : undefined,
    fallback: uiDir ? createStaticHandler({ root: uiDir }) : undefined,
    onInternalError: (err) => io.err(`tracelight: query API: ${err instanceof Error ? err.message : String(err)}`),
  });
  const queryApi = createFetchServer({ handler: queryHandler, host: options.host, port: options.httpPort });
  const stopAll = async () => {
    await hooks.stopping?.();
    await collector.shutdown();
    await queryApi.shutdown();
    await store.shutdown();
  };

  // Signals are watched from the start, so a SIGTERM during start-up still shuts down cleanly.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  const aborted = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    aborted.abort();
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    try {
      await store.start();
      await collector.start();
      await queryApi.start().catch((err: unknown) => {
        throw new ListenError('http-api', options.host, options.httpPort, err);
      });

      const api = queryApi.address();
      io.out(`tracelight is running (store: ${options.store}, ${created.describe})`);
      for (const l of collector.listeners()) io.out(`  ${l.name.padEnd(11)} ${l.display}`);
      if (api) io.out(`  ${'UI + API'.padEnd(11)} http://${urlHost(api.host)}:${api.port}/${uiDir ? '' : '  (API only: the UI is not built; run npm run build)'}`);
      if (!file) io.out(`  body limit  ${options.maxBodyBytes} bytes after decompression`);
      if (file) io.out(`  config      ${file.path}`);
      await hooks.ready?.({ listeners: collector.listeners(), http: api }, aborted.signal);
    } catch (err) {
      await stopAll();
      if (aborted.signal.aborted) return 0;
      io.err(`tracelight: ${describeStartError(err)}`);
      return 1;
    }
    io.out('ready; press Ctrl+C to stop');

    const signal = await signalled;
    onSignal = (again) => {
      io.err(`tracelight: ${again} again, exiting without waiting`);
      process.exit(1);
    };
    io.out(`tracelight: ${signal} received, finishing in-flight requests and shutting down`);
    await stopAll();
    io.out('tracelight: stopped');
    return 0;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}

/** The built web UI (packages/ui/dist), found beside this package in the workspace; undefined when not built. */
function builtUiDir(): string | undefined {
  // From packages/cli/{src,dist}/commands/ up to packages/, then ui/dist.
  const dir = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));
  return existsSync(`${dir}index.html`) ? dir : undefined;
}

