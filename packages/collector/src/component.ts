import { TracelightError } from '@tracelight/core';
import type { StoreWriter } from '@tracelight/store';
import type { MetricsRegistry } from './telemetry/metrics-registry.js';

/** The roles a pipeline component plays (OpenTelemetry Collector vocabulary). */
export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';

/** The kinds of data a pipeline carries. */
export type Signal = 'traces' | 'logs';

/** A port a component listens on, for people (the CLI prints these at start). */
export interface Listener {
  /** Short protocol name, e.g. `OTLP/gRPC`, `Zipkin`, `metrics`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** How to reach it, e.g. `http://127.0.0.1:9411/api/v2/spans`. */
  readonly display: string;
}

/** Everything long-lived in the pipeline. */
export interface Component {
  /** Acquires resources (ports, connections). Rejects with a TracelightError when it cannot. */
  start(): Promise<void>;
  /**
   * Stops taking new work, finishes what is in flight, releases resources. Idempotent: every
   * call returns the same promise.
   */
  shutdown(): Promise<void>;
  /** The ports it listens on once started; components without any leave this out. */
  listeners?(): readonly Listener[];
}

/** What the process around the pipeline provides to its components. */
export interface CollectorHost {
  /** The store (its lifecycle belongs to the caller). */
  readonly store?: StoreWriter;
}

/** What every component is given besides its config. */
export interface ComponentContext {
  /** `type` or `type/name`, as in the config. */
  readonly id: string;
  /** Where to register self-metrics (served on 8888). */
  readonly telemetry: MetricsRegistry;
  readonly host: CollectorHost;
}

/**
 * Builds one kind of component. `validateConfig` merges a partial config (from code, flags or a
 * YAML file) over `defaultConfig()` and rejects unknown keys and bad values at start-up, so a
 * component never fails later over its config. `path` prefixes problems (e.g. `processors.batch`).
 */
export interface ComponentFactory<Config, Deps, T extends Component> {
  readonly kind: ComponentKind;
  /** The name used in config files and messages, e.g. `otlp`, `tail_sampling`. */
  readonly type: string;
  /** The signals it handles (receivers, processors, exporters; for connectors, those it consumes). */
  readonly signals?: readonly Signal[];
  defaultConfig(): Config;
  /** Throws ConfigError naming every problem. */
  validateConfig(config: unknown, path?: string): Config;
  create(config: Config, deps: Deps): T;
}

/** A component's config is wrong; raised at start-up. */
export class ConfigError extends TracelightError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}
