import { TracelightError } from '@tracelight/core';

/** The roles a pipeline component plays (OpenTelemetry Collector vocabulary). */
export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/** Everything long-lived in the pipeline. */
export interface Component {
  /** Acquires resources (ports, connections). Rejects with a TracelightError when it cannot. */
  start(): Promise<void>;
  /**
   * Stops taking new work, finishes what is in flight, releases resources. Idempotent: every
   * call returns the same promise.
   */
  shutdown(): Promise<void>;
}

/**
 * Builds one kind of component. `validateConfig` merges a partial config (from code, flags or,
 * later, a YAML file) over `defaultConfig()` and rejects unknown keys and bad values at start-up,
 * so a component never fails later over its config.
 */
export interface ComponentFactory<Config, Deps, T extends Component> {
  readonly kind: ComponentKind;
  /** The name used in config files and messages, e.g. `otlp-http`. */
  readonly type: string;
  defaultConfig(): Config;
  /** Throws ConfigError naming every problem. */
  validateConfig(config: unknown): Config;
  create(config: Config, deps: Deps): T;
}

/** A component's config is wrong; raised at start-up. */
export class ConfigError extends TracelightError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
  }
}
