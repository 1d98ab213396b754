import { readFile, stat } from 'node:fs/promises';
import type { SpanBatch } from '@tracelight/core';
import { isZero, parseOtelSamplingState, serviceNameOf, SPAN_ID_BYTES, thresholdToProbability, TracelightError } from '@tracelight/core';
import type { Collector } from '../collector.js';
import { componentType } from '../collector-config.js';
import type { Component, ComponentContext, ComponentFactory, Listener } from '../component.js';
import { ConfigError } from '../component.js';
import { createHttpListener } from '../internal/http-listener.js';
import type { Endpoint } from '../internal/schema.js';
import { duration, endpoint, num, object, optional, parseConfig, str } from '../internal/schema.js';
import { formatHostPort } from '../listen-error.js';
import type { AdaptiveSampling, AdaptiveSamplingConfig } from './adaptive.js';
import { createAdaptiveSampling, DEFAULT_ADAPTIVE_CONFIG } from './adaptive.js';
import { registerSampling } from './internal/hub.js';
import { parseStrategiesFile, strategiesFromFile } from './strategies-file.js';
import type { SamplingStrategies, SamplingStrategyResponse } from './strategy.js';
import { probabilisticStrategy } from './strategy.js';

export interface RemoteSamplingConfig {
  /** Jaeger's remote sampling HTTP API: `GET /api/sampling?service=` (also `/sampling` and `/`). Default 127.0.0.1:5778. */
  readonly http: { readonly endpoint: Endpoint };
  /** The strategy for every service when neither `file` nor `adaptive` is set. Default 1 (keep everything). */
  readonly default_sampling_probability: number;
  /** Jaeger's strategies file (JSON), re-read when it changes (checked every `reload_interval`; 0 = never). */
  readonly file?: { readonly path: string; readonly reload_interval: number };
  /** Adaptive sampling (Jaeger's): fed by the `adaptive_sampling` processor. */
  readonly adaptive?: AdaptiveSamplingConfig;
}

const probability = num({ min: 0, max: 1 });
const adaptiveSchema = object<AdaptiveSamplingConfig>(
  {
    target_samples_per_second: num({ min: Number.MIN_VALUE }),
    initial_sampling_probability: probability,
    min_sampling_probability: probability,
    max_sampling_probability: probability,
    min_samples_per_second: num({ min: 0 }),
    delta_tolerance: num({ min: 0, max: 1 }),
    calculation_interval: duration({ min: 100 }),
    buckets_for_calculation: num({ min: 1, max: 100, integer: true }),
    max_operations_per_service: num({ min: 1, integer: true }),
    max_services: num({ min: 1, integer: true }),
  },
  { ...DEFAULT_ADAPTIVE_CONFIG, calculation_interval: '1m' },
);

const schema = object<RemoteSamplingConfig>(
  {
    http: object({ endpoint }, { endpoint: '127.0.0.1:5778' }),
    default_sampling_probability: probability,
    file: optional(object({ path: str({ nonEmpty: true }), reload_interval: duration() }, { reload_interval: '5s' })),
    adaptive: optional(adaptiveSchema),
  },
  { http: {}, default_sampling_probability: 1 },
);

function validate(config: unknown, path = 'extensions.remote_sampling'): RemoteSamplingConfig {
  const c = parseConfig(schema, config, path);
  const problems: string[] = [];
  if (c.file && c.adaptive) problems.push(`${path}: set either file or adaptive, not both`);
  if (c.adaptive && c.adaptive.min_sampling_probability > c.adaptive.max_sampling_probability) problems.push(`${path}.adaptive: min_sampling_probability is above max_sampling_probability`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return c;
}

/** The extension: strategies for the SDKs (and for the query API on 16686, through strategyFor). */
export interface RemoteSampling extends Component, SamplingStrategies {
  readonly mode: 'static' | 'file' | 'adaptive';
  listeners(): readonly Listener[];
  /** Counts the root spans of a batch toward adaptive throughput (no-op in the other modes). */
  observe(batch: SpanBatch): void;
  /** Adaptive mode's state, for tests and the CLI; undefined in the other modes. */
  readonly adaptive: AdaptiveSampling | undefined;
  /** Re-reads the strategies file now if it changed (run on a timer too); resolves whether it was reloaded. */
  reload(): Promise<boolean>;
}

/**
 * Jaeger's remote sampling API, answering from a strategies file (reloaded on change), from
 * adaptive sampling, or with one probability for every service. Answers are Jaeger's
 * SamplingStrategyResponse in protobuf JSON (`strategyType` as a string), which both Jaeger SDKs
 * and `@opentelemetry/sampler-jaeger-remote` read.
 */
export function createRemoteSampling(config: RemoteSamplingConfig, ctx: Pick<ComponentContext, 'id' | 'telemetry'>): RemoteSampling {
  const mode = config.file ? 'file' : config.adaptive ? 'adaptive' : 'static';
  const adaptive = config.adaptive ? createAdaptiveSampling(config.adaptive) : undefined;
  const staticStrategy = probabilisticStrategy(config.default_sampling_probability);
  let fromFile: SamplingStrategies | undefined;
  let fileStamp = '';
  const requests = ctx.telemetry.counter('tracelight_sampling_requests_total', 'Remote sampling strategy requests, by outcome.');
  const reloads = ctx.telemetry.counter('tracelight_sampling_strategies_reloads_total', 'Strategies file reloads, by outcome (a failed reload keeps the strategies in force).');

  const strategyFor = (service: string): SamplingStrategyResponse => {
    if (adaptive) return adaptive.strategyFor(service);
    if (fromFile) return fromFile.strategyFor(service);
    return staticStrategy;
  };

  const loadFile = async (initial: boolean): Promise<boolean> => {
    const file = config.file!;
    let stamp: string;
    try {
      const st = await stat(file.path);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (err) {
      if (initial) throw new TracelightError('SAMPLING_FILE', `${ctx.id}: cannot read strategies file ${file.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      reloads.add(1, { extension: ctx.id, outcome: 'failed' });
      return false;
    }
    if (stamp === fileStamp) return false;
    try {
      const parsed = parseStrategiesFile(await readFile(file.path, 'utf8'), file.path);
      fromFile = strategiesFromFile(parsed);
      fileStamp = stamp;
      if (!initial) reloads.add(1, { extension: ctx.id, outcome: 'ok' });
      return true;
    } catch (err) {
      if (initial) throw new ConfigError(`${ctx.id}: ${(err as Error).message}`);
      fileStamp = stamp; // a bad version is reported once, not on every check
      reloads.add(1, { extension: ctx.id, outcome: 'failed' });
      return false;
    }
  };

  const http = createHttpListener({
    component: 'sampling',
    host: config.http.endpoint.host,
    port: config.http.endpoint.port,
    shutdownTimeoutMs: 1_000,
    onRequest(req, res) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/sampling' && url.pathname !== '/sampling' && url.pathname !== '/') {
        requests.add(1, { extension: ctx.id, outcome: 'not_found' });
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('the sampling strategies are at GET /api/sampling?service=<name>\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        requests.add(1, { extension: ctx.id, outcome: 'bad_method' });
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('use GET\n');
        return;
      }
      const service = url.searchParams.get('service');
      if (!service) {
        requests.add(1, { extension: ctx.id, outcome: 'invalid' });
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end("'service' parameter must be provided once\n");
        return;
      }
      requests.add(1, { extension: ctx.id, outcome: 'ok' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(strategyFor(service)));
    },
  });

  let reloadTimer: NodeJS.Timeout | undefined;
  let adaptiveTimer: NodeJS.Timeout | undefined;
  let unregister: (() => void) | undefined;
  let shutdownPromise: Promise<void> | undefined;

  const self: RemoteSampling = {
    mode,
    adaptive,
    strategyFor,
    async start() {
      if (config.file) await loadFile(true);
      await http.start();
      unregister = registerSampling(ctx.telemetry, self);
      if (config.file && config.file.reload_interval > 0) {
        reloadTimer = setInterval(() => void loadFile(false), config.file.reload_interval).unref();
      }
      if (adaptive) {
        let last = performance.now();
        adaptiveTimer = setInterval(() => {
          const now = performance.now();
          adaptive.recalculate(now - last);
          last = now;
        }, config.adaptive!.calculation_interval).unref();
      }
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        clearInterval(reloadTimer);
        clearInterval(adaptiveTimer);
        unregister?.();
        await http.shutdown();
      })();
      return shutdownPromise;
    },
    listeners() {
      const a = http.address();
      return a ? [{ name: 'sampling', host: a.host, port: a.port, display: `http://${formatHostPort(a.host, a.port)}/api/sampling?service=` }] : [];
    },
    observe(batch) {
      if (!adaptive) return;
      const services: (string | undefined)[] = new Array(batch.resources.length);
      for (let i = 0; i < batch.length; i++) {
        if (!isZero(batch.parentSpanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES)) continue;
        const r = batch.resourceIndex[i];
        const service = (services[r] ??= serviceNameOf(batch.resources[r]));
        const ts = batch.traceState[i];
        const th = ts === '' ? undefined : parseOtelSamplingState(ts).threshold;
        adaptive.observe(service, batch.name[i], th === undefined ? undefined : thresholdToProbability(th));
      }
    },
    reload: () => (config.file ? loadFile(false) : Promise.resolve(false)),
  };
  return self;
}

/** Factory for config files: `extensions: { remote_sampling: {...} }`, listed in `service.extensions`. */
export const remoteSamplingExtensionFactory: ComponentFactory<RemoteSamplingConfig, ComponentContext, RemoteSampling> = {
  kind: 'extension',
  type: 'remote_sampling',
  defaultConfig: () => validate(undefined),
  validateConfig: validate,
  create: (config, ctx) => createRemoteSampling(config, ctx),
};

/**
 * The collector's first `remote_sampling` extension (undefined when it runs none), e.g. for the
 * query API to answer `/api/sampling` on 16686: `samplingStrategy: (s) => remoteSamplingOf(c)?.strategyFor(s)`.
 */
export function remoteSamplingOf(collector: Pick<Collector, 'config' | 'component'>): RemoteSampling | undefined {
  const id = collector.config.service.extensions.find((e) => componentType(e) === 'remote_sampling');
  return id === undefined ? undefined : (collector.component(id) as RemoteSampling | undefined);
}
