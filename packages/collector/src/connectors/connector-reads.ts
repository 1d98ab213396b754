import type { DependencyLink, DependencyQuery, MetricsQuery, MetricsSeries, StoreCapabilities, StoreReader } from '@tracelight/store';
import type { Collector } from '../collector.js';
import { componentType } from '../collector-config.js';
import type { ServiceGraphConnector } from './servicegraph/servicegraph-connector.js';
import type { SpanMetricsConnector } from './spanmetrics/spanmetrics-connector.js';

/** What the query API can read from the connectors instead of the store. */
export interface ConnectorReads {
  readonly spanMetrics?: Pick<SpanMetricsConnector, 'query' | 'coversFromUnixNano'>;
  readonly serviceGraph?: Pick<ServiceGraphConnector, 'dependencies' | 'coversFromUnixNano'>;
}

/** The first spanmetrics and servicegraph connectors of a collector's config (either may be absent). */
export function connectorReadsOf(collector: Pick<Collector, 'config' | 'component'>): ConnectorReads {
  const find = (type: string) => Object.keys(collector.config.connectors).find((id) => componentType(id) === type);
  const sm = find('spanmetrics');
  const sg = find('servicegraph');
  return {
    spanMetrics: sm ? (collector.component(sm) as unknown as SpanMetricsConnector) : undefined,
    serviceGraph: sg ? (collector.component(sg) as unknown as ServiceGraphConnector) : undefined,
  };
}

/**
 * A StoreReader whose `getMetrics` and `getDependencies` answer from the connectors' in-memory
 * aggregates (no scan of stored spans, no batch job) when they hold the range asked: a range
 * starting before what a connector keeps goes to the store when the store can answer it, and to
 * the connector (with what it has) otherwise. Everything else is the store's. Capabilities say
 * metrics and dependencies work when a connector provides them.
 */
export function withConnectorReads(reader: StoreReader & { readonly capabilities?: StoreCapabilities }, reads: ConnectorReads): StoreReader & { readonly capabilities?: StoreCapabilities } {
  const caps = reader.capabilities;
  const { spanMetrics, serviceGraph } = reads;
  return {
    capabilities: caps && {
      ...caps,
      metrics: caps.metrics || spanMetrics !== undefined,
      dependencies: caps.dependencies || serviceGraph !== undefined,
    },
    getServices: () => reader.getServices(),
    getOperations: (q) => reader.getOperations(q),
    getTraces: (ids, o) => reader.getTraces(ids, o),
    findTraceIds: (q) => reader.findTraceIds(q),
    getTraceSummaries: (ids) => reader.getTraceSummaries(ids),
    findLogs: (q) => reader.findLogs(q),
    async getMetrics(q: MetricsQuery): Promise<MetricsSeries[]> {
      if (!spanMetrics) return reader.getMetrics(q);
      if (q.startTimeUnixNano < spanMetrics.coversFromUnixNano() && caps?.metrics !== false) return reader.getMetrics(q);
      return spanMetrics.query(q);
    },
    async getDependencies(q: DependencyQuery): Promise<DependencyLink[]> {
      if (!serviceGraph) return reader.getDependencies(q);
      if (q.startTimeUnixNano < serviceGraph.coversFromUnixNano() && caps?.dependencies !== false) return reader.getDependencies(q);
      return serviceGraph.dependencies(q);
    },
  };
}
