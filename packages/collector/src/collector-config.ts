import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ComponentFactory, Signal } from './component.js';
import { ConfigError } from './component.js';
import { connectorFactories, exporterFactories, extensionFactories, processorFactories, receiverFactories } from './components.js';
import type { Endpoint } from './internal/schema.js';
import { bool, endpoint, list, object, parseConfig, str } from './internal/schema.js';

export interface PipelineConfig {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** A config file after validation: every component's settings checked and merged over its defaults. */
export interface CollectorConfig {
  readonly receivers: Readonly<Record<string, unknown>>;
  readonly processors: Readonly<Record<string, unknown>>;
  readonly exporters: Readonly<Record<string, unknown>>;
  readonly connectors: Readonly<Record<string, unknown>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly service: {
    readonly extensions: readonly string[];
    readonly pipelines: Readonly<Record<string, PipelineConfig>>;
    readonly telemetry: { readonly metrics: { readonly enabled: boolean; readonly address: Endpoint } };
  };
}

/**
 * What `tracelight start` runs without a config file: OTLP (gRPC 4317, HTTP 4318) and Zipkin
 * (9411) into the store, behind the memory limiter and the batch processor; span metrics and the
 * service graph from the same spans on 8889; Jaeger remote sampling on 5778 (everything sampled
 * until configured); self-metrics on 8888.
 */
export const DEFAULT_CONFIG_YAML = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
      http:
        endpoint: 127.0.0.1:4318
  zipkin:
    endpoint: 127.0.0.1:9411
processors:
  memory_limiter:
  batch:
exporters:
  store:
connectors:
  spanmetrics:
    endpoint: 127.0.0.1:8889
  servicegraph:
    endpoint: 127.0.0.1:8889
extensions:
  remote_sampling:
    http:
      endpoint: 127.0.0.1:5778
service:
  extensions: [remote_sampling]
  pipelines:
    traces:
      receivers: [otlp, zipkin]
      processors: [memory_limiter, batch]
      exporters: [store, spanmetrics, servicegraph]
    logs:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [store]
  telemetry:
    metrics:
      address: 127.0.0.1:8888
`;

/** The default config as a plain object (a fresh copy each call, safe to modify). */
export function defaultConfigObject(): Record<string, unknown> {
  return parseYaml(DEFAULT_CONFIG_YAML) as Record<string, unknown>;
}

const KINDS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
type Section = (typeof KINDS)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- factories of every config type
const FACTORIES: Readonly<Record<Section, readonly ComponentFactory<any, any, any>[]>> = {
  receivers: receiverFactories,
  processors: processorFactories,
  exporters: exporterFactories,
  connectors: connectorFactories,
  extensions: extensionFactories,
};

/** `type/name` → type. */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

/** The factory for a component id of a section, or undefined for an unknown type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- factories of every config type
export function factoryOf(section: Section, id: string): ComponentFactory<any, any, any> | undefined {
  const type = componentType(id);
  return FACTORIES[section].find((f) => f.type === type);
}

export function pipelineSignal(id: string): Signal | undefined {
  const type = componentType(id);
  return type === 'traces' || type === 'logs' ? type : undefined;
}

const serviceSchema = object<CollectorConfig['service']>(
  {
    extensions: list(str({ nonEmpty: true })),
    pipelines: (v, path, p) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        p.push(`${path}: must be a map of pipelines such as "traces" or "traces/sampled"`);
        return {};
      }
      const pipeline = object<PipelineConfig>(
        { receivers: list(str({ nonEmpty: true }), { nonEmpty: true }), processors: list(str({ nonEmpty: true })), exporters: list(str({ nonEmpty: true }), { nonEmpty: true }) },
        { processors: [] },
      );
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pipeline(x, `${path}.${k}`, p)]));
    },
    telemetry: object({ metrics: object({ enabled: bool, address: endpoint }, { enabled: true, address: '127.0.0.1:8888' }) }),
  },
  { extensions: [] },
);

/**
 * Checks a whole config (from YAML or code): top-level keys, every component's settings (through
 * its factory), and the pipelines (known components, each used for a signal it handles,
 * connectors used on both ends). Throws one ConfigError listing every problem.
 */
export function validateCollectorConfig(raw: unknown): CollectorConfig {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('config: must be a map with receivers, processors, exporters, connectors, extensions and service');
  const given = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (key !== 'service' && !(KINDS as readonly string[]).includes(key)) problems.push(`${key}: unknown top-level key (known: ${[...KINDS, 'service'].join(', ')})`);
  }
  const sections = {} as Record<Section, Record<string, unknown>>;
  for (const kind of KINDS) {
    const section = given[kind] ?? {};
    sections[kind] = {};
    if (typeof section !== 'object' || Array.isArray(section)) {
      problems.push(`${kind}: must be a map of components`);
      continue;
    }
    for (const [id, config] of Object.entries(section as Record<string, unknown>)) {
      const factory = factoryOf(kind, id);
      if (!factory) {
        const known = FACTORIES[kind].map((f) => f.type);
        problems.push(`${kind}.${id}: unknown ${kind.slice(0, -1)} type "${componentType(id)}" (known: ${known.join(', ') || 'none'})`);
        continue;
      }
      if (!/^[a-z0-9_]+(\/[A-Za-z0-9_.-]+)?$/.test(id)) problems.push(`${kind}.${id}: a component id is "type" or "type/name"`);
      try {
        sections[kind][id] = factory.validateConfig(config ?? undefined, `${kind}.${id}`);
      } catch (err) {
        problems.push(err instanceof ConfigError ? err.message : `${kind}.${id}: ${(err as Error).message}`);
      }
    }
  }
  let service: CollectorConfig['service'] | undefined;
  try {
    service = parseConfig(serviceSchema, given.service, 'service');
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (service) {
    for (const id of service.extensions) if (!Object.hasOwn(sections.extensions, id)) problems.push(`service.extensions: "${id}" is not configured under extensions`);
    const pipelines = Object.entries(service.pipelines);
    if (pipelines.length === 0) problems.push('service.pipelines: at least one pipeline is needed');
    for (const [pid, p] of pipelines) {
      const signal = pipelineSignal(pid);
      const at = `service.pipelines.${pid}`;
      if (!signal) {
        problems.push(`${at}: a pipeline is named after its signal: "traces", "logs", or "traces/<name>"`);
        continue;
      }
      const check = (list: readonly string[], section: Section, alt: Section | undefined, role: string) => {
        for (const id of list) {
          const inSection = Object.hasOwn(sections[section], id) || (section !== 'connectors' && Object.hasOwn(given[section] ?? {}, id));
          const inAlt = alt !== undefined && (Object.hasOwn(sections[alt], id) || Object.hasOwn(given[alt] ?? {}, id));
          if (!inSection && !inAlt) {
            problems.push(`${at}.${role}: "${id}" is not configured under ${section}${alt ? ` or ${alt}` : ''}`);
            continue;
          }
          const factory = factoryOf(inSection ? section : alt!, id);
          if (!factory) continue; // reported above
          const isConnector = !inSection;
          if (isConnector && role === 'receivers') {
            const produces = (factory as { produces?: readonly Signal[] }).produces ?? [];
            if (!produces.includes(signal)) problems.push(`${at}.receivers: connector "${id}" does not produce ${signal}`);
          } else if (factory.signals && !factory.signals.includes(signal)) {
            problems.push(`${at}.${role}: "${id}" does not handle ${signal} (it handles ${factory.signals.join(', ')})`);
          }
        }
        if (new Set(list).size !== list.length) problems.push(`${at}.${role}: lists a component twice`);
      };
      check(p.receivers, 'receivers', 'connectors', 'receivers');
      check(p.processors, 'processors', undefined, 'processors');
      check(p.exporters, 'exporters', 'connectors', 'exporters');
    }
    for (const id of Object.keys(sections.connectors)) {
      const asExporter = pipelines.some(([, p]) => p.exporters.includes(id));
      if (!asExporter) problems.push(`connectors.${id}: a connector must be an exporter of some pipeline`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return { ...sections, service: service! } as CollectorConfig;
}

/** Parses YAML text; syntax errors become a ConfigError naming `source` and the line. */
export function parseConfigYaml(text: string, source = 'config'): unknown {
  try {
    return parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos ? `:${err.linePos[0].line}:${err.linePos[0].col}` : '';
      throw new ConfigError(`${source}${where}: ${err.message.split('\n')[0]}`);
    }
    throw new ConfigError(`${source}: ${(err as Error).message}`);
  }
}
