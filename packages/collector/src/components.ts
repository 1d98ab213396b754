// The component registry: every factory a config file can name. To add a component, import its
// factory and add it to the list of its kind — one line, nothing else to wire (the pipeline
// builder in collector.ts finds it by its `type`). Connectors (e.g. connectors/spanmetrics) and
// extensions (e.g. sampling/, the sampling-strategies server) go in their lists the same way.
import type { Component, ComponentContext, ComponentFactory } from './component.js';
import { serviceGraphConnectorFactory } from './connectors/servicegraph/servicegraph-connector.js';
import { spanMetricsConnectorFactory } from './connectors/spanmetrics/spanmetrics-connector.js';
import type { Consumers, ConsumingComponent } from './consumer.js';
import { otlpExporterFactory, otlpHttpExporterFactory } from './exporters/otlp/otlp-exporter.js';
import type { StoreExporterDeps } from './exporters/store/store-exporter.js';
import { storeExporterFactory } from './exporters/store/store-exporter.js';
import { attributesProcessorFactory } from './processors/attributes/attributes-processor.js';
import { batchProcessorFactory } from './processors/batch/batch-processor.js';
import { filterProcessorFactory } from './processors/filter/filter-processor.js';
import { memoryLimiterProcessorFactory } from './processors/memory-limiter/memory-limiter-processor.js';
import { probabilisticSamplerProcessorFactory } from './processors/probabilistic-sampler/probabilistic-sampler-processor.js';
import type { Processor, ProcessorDeps } from './processors/processor.js';
import { redactionProcessorFactory } from './processors/redaction/redaction-processor.js';
import { tailSamplingProcessorFactory } from './processors/tail-sampling/tail-sampling-processor.js';
import { otlpReceiverFactory } from './receivers/otlp/otlp-receiver.js';
import type { Receiver, ReceiverDeps } from './receivers/receiver.js';
import { zipkinReceiverFactory } from './receivers/zipkin/zipkin-receiver.js';
import { adaptiveSamplingProcessorFactory } from './sampling/adaptive-sampling-processor.js';
import { remoteSamplingExtensionFactory } from './sampling/remote-sampling-extension.js';

/** What an exporter is given: the context, and the store for exporters that write to it. */
export type ExporterDeps = ComponentContext & Partial<StoreExporterDeps>;

/**
 * A connector is an exporter of one pipeline and a receiver of others (the Collector's model):
 * it consumes its factory's `signals` and hands what it makes to `next`, the pipelines that list
 * it among their receivers (empty when none does: then it is a sink, e.g. one that serves
 * metrics on a port of its own).
 */
export interface ConnectorDeps extends ComponentContext {
  readonly next: Consumers;
}
/** Signals a connector hands on (as a receiver); [] for a connector that is only a sink. */
export interface ConnectorFactory<Config = unknown> extends ComponentFactory<Config, ConnectorDeps, ConsumingComponent> {
  readonly produces: readonly ('traces' | 'logs')[];
}

/** An extension: a server or service beside the pipelines (e.g. the sampling-strategies API). */
export type ExtensionFactory<Config = unknown> = ComponentFactory<Config, ComponentContext, Component>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory has its own config type
type AnyFactory<Deps, T extends Component> = ComponentFactory<any, Deps, T>;

export const receiverFactories: readonly AnyFactory<ReceiverDeps, Receiver>[] = [otlpReceiverFactory, zipkinReceiverFactory];

export const processorFactories: readonly AnyFactory<ProcessorDeps, Processor>[] = [
  memoryLimiterProcessorFactory,
  batchProcessorFactory,
  attributesProcessorFactory,
  redactionProcessorFactory,
  filterProcessorFactory,
  probabilisticSamplerProcessorFactory,
  tailSamplingProcessorFactory,
  adaptiveSamplingProcessorFactory,
];

export const exporterFactories: readonly AnyFactory<ExporterDeps, ConsumingComponent>[] = [
  storeExporterFactory as unknown as AnyFactory<ExporterDeps, ConsumingComponent>,
  otlpExporterFactory as unknown as AnyFactory<ExporterDeps, ConsumingComponent>,
  otlpHttpExporterFactory as unknown as AnyFactory<ExporterDeps, ConsumingComponent>,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory has its own config type
export const connectorFactories: readonly ConnectorFactory<any>[] = [spanMetricsConnectorFactory, serviceGraphConnectorFactory];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory has its own config type
export const extensionFactories: readonly ExtensionFactory<any>[] = [remoteSamplingExtensionFactory];
