import type { TracelightError } from '@tracelight/core';
import type { StoreWriter } from '@tracelight/store';
import type { Component, ComponentContext, Listener, Signal } from './component.js';
import type { CollectorConfig } from './collector-config.js';
import { defaultConfigObject, factoryOf, pipelineSignal, validateCollectorConfig } from './collector-config.js';
import type { Consumers, ConsumingComponent } from './consumer.js';
import { asConsumers, fanOut } from './consumer.js';
import { createHttpListener } from './internal/http-listener.js';
import { formatHostPort } from './listen-error.js';
import type { Processor } from './processors/processor.js';
import type { Receiver } from './receivers/receiver.js';
import type { MetricsRegistry } from './telemetry/metrics-registry.js';
import { createMetricsRegistry } from './telemetry/metrics-registry.js';
import { registerProcessMetrics, registerReceiverMetrics } from './telemetry/self-metrics.js';

export interface CollectorOptions {
  /** Where the `store` exporter writes. Its lifecycle stays with the caller: start it before, shut it down after. */
  readonly store?: StoreWriter;
  /**
   * The config, as parsed from YAML (or built in code): validated here. Default: the default
   * config (DEFAULT_CONFIG_YAML).
   */
  readonly config?: unknown;
}

/** The pipelines as one component. */
export interface Collector extends Component {
  readonly config: CollectorConfig;
  /** Receivers by id (`otlp`, `zipkin`, `otlp/2`, ...). */
  readonly receivers: ReadonlyMap<string, Receiver>;
  /** Every component by id, for tests and the CLI (e.g. an extension's handler). */
  component(id: string): Component | undefined;
  /** The self-metrics, rendered as served on 8888. */
  readonly telemetry: MetricsRegistry;
  /** Every port listened on (receivers, extensions, self-metrics), once started. */
  listeners(): Listener[];
}

interface Built {
  readonly id: string;
  readonly component: Component;
}

/**
 * Validates the config (throws ConfigError naming every problem, before anything listens) and
 * builds the pipelines the Collector's way: one instance per receiver and exporter id, shared by
 * the pipelines that list it; one processor instance per pipeline; connectors linking pipelines.
 * `start()` brings components up from the store side to the receivers (self-metrics first); if
 * one cannot start, those already started are shut down again and the error is passed on.
 * `shutdown()` goes the other way: receivers stop taking requests and finish the ones in flight,
 * processors flush in pipeline order, then exporters and extensions.
 */
export function createCollector(options: CollectorOptions = {}): Collector {
  const config = validateCollectorConfig(options.config ?? defaultConfigObject());
  const telemetry = createMetricsRegistry();
  const ctx = (id: string): ComponentContext => ({ id, telemetry, host: { store: options.store } });
  const pipelines = Object.entries(config.service.pipelines);

  const exporters = new Map<string, ConsumingComponent>();
  const connectors = new Map<string, ConsumingComponent>();
  const entries = new Map<string, Consumers>();
  const processorsOf = new Map<string, Processor[]>();
  const building = new Set<string>();

  const exporter = (id: string): Consumers => {
    let e = exporters.get(id);
    if (!e) {
      const deps = { ...ctx(id), store: options.store! };
      if (factoryOf('exporters', id)!.type === 'store' && !options.store) throw new Error(`exporter ${id} needs a store`);
      e = factoryOf('exporters', id)!.create(config.exporters[id], deps) as ConsumingComponent;
      exporters.set(id, e);
    }
    return asConsumers(e);
  };

  const connector = (id: string): Consumers => {
    let c = connectors.get(id);
    if (!c) {
      const downstream = pipelines.filter(([, p]) => p.receivers.includes(id)).map(([pid]) => ownSignal(pid, pipeline(pid)));
      c = factoryOf('connectors', id)!.create(config.connectors[id], { ...ctx(id), next: merge(downstream) }) as ConsumingComponent;
      connectors.set(id, c);
    }
    return asConsumers(c);
  };

  // The entry of a pipeline: its first processor, or its exporters when it has none.
  function pipeline(pid: string): Consumers {
    const done = entries.get(pid);
    if (done) return done;
    if (building.has(pid)) throw new Error(`pipelines form a loop through ${pid}`);
    building.add(pid);
    const p = config.service.pipelines[pid];
    let next = fanOut(p.exporters.map((id) => (Object.hasOwn(config.exporters, id) ? exporter(id) : connector(id))));
    const made: Processor[] = [];
    for (const id of [...p.processors].reverse()) {
      const proc = factoryOf('processors', id)!.create(config.processors[id], { ...ctx(id), pipeline: pid, next }) as Processor;
      made.unshift(proc);
      next = asConsumers(proc);
    }
    processorsOf.set(pid, made);
    entries.set(pid, next);
    building.delete(pid);
    return next;
  }

  // A pipeline's entry may implement both signals (a processor does); only its own signal may enter it.
  function ownSignal(pid: string, entry: Consumers): Consumers {
    const signal = pipelineSignal(pid)!;
    return { [signal]: entry[signal] };
  }

  /** One Consumers from the entries of pipelines of possibly different signals. */
  function merge(list: readonly Consumers[]): Consumers {
    const by = (signal: Signal) => list.filter((c) => c[signal]);
    const traces = by('traces');
    const logs = by('logs');
    return {
      traces: traces.length > 0 ? fanOut(traces.map((c) => ({ traces: c.traces }))).traces : undefined,
      logs: logs.length > 0 ? fanOut(logs.map((c) => ({ logs: c.logs }))).logs : undefined,
    };
  }

  for (const [pid] of pipelines) pipeline(pid);

  const receivers = new Map<string, Receiver>();
  for (const id of Object.keys(config.receivers)) {
    const mine = pipelines.filter(([, p]) => p.receivers.includes(id)).map(([pid]) => pid);
    if (mine.length === 0) continue; // configured but unused: not started, like the Collector
    const admits = mine.map((pid) => processorsOf.get(pid)![0]?.admit).filter((a): a is () => TracelightError | undefined => a !== undefined);
    const admit = admits.length === 0 ? undefined : () => admits.map((a) => a()).find((e) => e !== undefined);
    const r = factoryOf('receivers', id)!.create(config.receivers[id], { next: merge(mine.map((pid) => ownSignal(pid, entries.get(pid)!))), admit }) as Receiver;
    receivers.set(id, r);
  }
  const extensions = config.service.extensions.map((id) => ({ id, component: factoryOf('extensions', id)!.create(config.extensions[id], ctx(id)) as Component }));

  registerReceiverMetrics(telemetry, receivers);
  registerProcessMetrics(telemetry);
  const metricsConfig = config.service.telemetry.metrics;
  const metricsServer = metricsConfig.enabled
    ? createHttpListener({
        component: 'metrics',
        host: metricsConfig.address.host,
        port: metricsConfig.address.port,
        shutdownTimeoutMs: 2_000,
        onRequest(req, res) {
          const path = (req.url ?? '/').split('?')[0];
          if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
            res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
            res.end('Tracelight self-metrics are at GET /metrics\n');
            return;
          }
          const body = telemetry.render();
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
      })
    : undefined;
  const metricsComponent: Component | undefined = metricsServer && {
    start: () => metricsServer.start(),
    shutdown: () => metricsServer.shutdown(),
    listeners() {
      const a = metricsServer.address();
      return a ? [{ name: 'metrics', ...a, display: `http://${formatHostPort(a.host, a.port)}/metrics` }] : [];
    },
  };

  // Start order: self-metrics, extensions, exporters, connectors, processors, receivers.
  const startOrder: Built[] = [
    ...(metricsComponent ? [{ id: 'telemetry', component: metricsComponent }] : []),
    ...extensions,
    ...[...exporters].map(([id, component]) => ({ id, component })),
    ...[...connectors].map(([id, component]) => ({ id, component })),
    ...[...processorsOf].flatMap(([pid, list]) => list.map((component, i) => ({ id: `${pid}:${config.service.pipelines[pid].processors[i]}`, component }))),
    ...[...receivers].map(([id, component]) => ({ id, component })),
  ];
  const started: Built[] = [];

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      const isStarted = (c: Component) => started.some((b) => b.component === c);
      await Promise.all([...receivers.values()].filter(isStarted).map((r) => r.shutdown()));
      // Processors in pipeline order, so each flushes into a next stage that is still running.
      await Promise.all(
        [...processorsOf.values()].map(async (list) => {
          for (const p of list) if (isStarted(p)) await p.shutdown();
        }),
      );
      await Promise.all([...connectors.values()].filter(isStarted).map((c) => c.shutdown()));
      await Promise.all([...exporters.values()].filter(isStarted).map((e) => e.shutdown()));
      await Promise.all(extensions.filter((e) => isStarted(e.component)).map((e) => e.component.shutdown()));
      if (metricsComponent && isStarted(metricsComponent)) await metricsComponent.shutdown();
    })();
    return shutdownPromise;
  };

  const byId = new Map<string, Component>([
    ...extensions.map((e) => [e.id, e.component] as const),
    ...exporters,
    ...connectors,
    ...receivers,
  ]);

  return {
    config,
    receivers,
    telemetry,
    component: (id) => byId.get(id),
    listeners: () => startOrder.flatMap((b) => b.component.listeners?.() ?? []).sort((a, b) => order(a.name) - order(b.name)),
    async start() {
      // Receivers start together (they are independent); everything before them in order.
      const firstReceiver = startOrder.findIndex((b) => receivers.has(b.id) && receivers.get(b.id) === b.component);
      const before = firstReceiver < 0 ? startOrder : startOrder.slice(0, firstReceiver);
      const after = firstReceiver < 0 ? [] : startOrder.slice(firstReceiver);
      try {
        for (const b of before) {
          await b.component.start();
          started.push(b);
        }
        const results = await Promise.allSettled(
          after.map(async (b) => {
            await b.component.start();
            started.push(b);
          }),
        );
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } catch (err) {
        await shutdown();
        throw err;
      }
    },
    shutdown,
  };
}

const LISTENER_ORDER = ['OTLP/gRPC', 'OTLP/HTTP', 'Zipkin'];
function order(name: string): number {
  const i = LISTENER_ORDER.indexOf(name);
  return i < 0 ? LISTENER_ORDER.length : i;
}


