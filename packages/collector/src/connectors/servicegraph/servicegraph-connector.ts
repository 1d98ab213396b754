import type { Attributes, ExportResult, SpanBatch } from '@tracelight/core';
import { anyValueToString, EXPORT_OK, getAttribute, samplingProbabilityOf, serviceNameOf, SpanKind, StatusCode } from '@tracelight/core';
import type { DependencyLink, DependencyQuery } from '@tracelight/store';
import type { ComponentFactory, Listener } from '../../component.js';
import { ConfigError } from '../../component.js';
import type { ConnectorDeps } from '../../components.js';
import type { Endpoint } from '../../internal/schema.js';
import { duration, endpoint, list, num, object, parseConfig, str } from '../../internal/schema.js';
import { endpointLifecycle } from '../internal/metrics-endpoint.js';
import { createTimeBuckets } from '../internal/time-buckets.js';
import { bucketIndex, checkBuckets, createWeightOf, durationAt, familyHeader, formatSampleValue, halves, histogramLines, labelPairs, timeAt } from '../internal/prometheus-text.js';
import { DEFAULT_DURATION_BUCKETS_MS } from '../spanmetrics/spanmetrics-connector.js';

export interface ServiceGraphConfig {
  /** Where `GET /metrics` serves the Prometheus text (shared with spanmetrics when equal). Default 127.0.0.1:8889. */
  readonly endpoint: Endpoint;
  /** Latency histogram bucket bounds, as durations (ms); the histograms are in seconds. Default 2ms … 15s. */
  readonly latency_histogram_buckets: readonly number[];
  /** How long half of an edge waits for its other half, and how many halves wait at most (the oldest goes first). */
  readonly store: { readonly ttl: number; readonly max_items: number };
  /**
   * When a client span's server never shows up (an uninstrumented service), the first of these
   * attributes it has names the server: a "virtual node". A client span with `db.system` is a
   * database call and becomes such an edge at once (databases send no server spans). Empty: no
   * virtual nodes.
   */
  readonly virtual_node_peer_attributes: readonly string[];
  /** Most distinct client→server edges; spans of further edges are dropped and counted. Default 10,000. */
  readonly edge_limit: number;
  /** Per-minute (by default) call counts kept for `dependencies()` (Jaeger's /api/dependencies). */
  readonly dependencies: { readonly resolution: number; readonly retention: number };
}

const schema = object<ServiceGraphConfig>(
  {
    endpoint,
    latency_histogram_buckets: list(duration(), { nonEmpty: true }),
    store: object({ ttl: duration({ min: 1 }), max_items: num({ min: 1, integer: true }) }, { ttl: '2s', max_items: 10_000 }),
    virtual_node_peer_attributes: list(str({ nonEmpty: true })),
    edge_limit: num({ min: 1, integer: true }),
    dependencies: object({ resolution: duration({ min: 1000 }), retention: duration({ min: 1000 }) }, { resolution: '1m', retention: '24h' }),
  },
  {
    endpoint: '127.0.0.1:8889',
    latency_histogram_buckets: DEFAULT_DURATION_BUCKETS_MS.map((ms) => `${ms}ms`),
    store: {},
    virtual_node_peer_attributes: ['peer.service', 'db.name', 'db.system'],
    edge_limit: 10_000,
    dependencies: {},
  },
);

function validate(config: unknown, path = 'connectors.servicegraph'): ServiceGraphConfig {
  const c = parseConfig(schema, config, path);
  const problems: string[] = [];
  checkBuckets(c.latency_histogram_buckets, `${path}.latency_histogram_buckets`, problems);
  if (c.dependencies.retention < c.dependencies.resolution) problems.push(`${path}.dependencies.retention: must be at least the resolution`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return c;
}

/**
 * One side of an edge (a client or a server span); while it waits for the other side it sits in
 * the wait store under `key` (trace id + the client's span id). One object per span.
 */
interface Half {
  readonly key: string;
  readonly isClient: boolean;
  readonly service: string;
  readonly durationNs: number;
  readonly startMs: number;
  readonly failed: boolean;
  readonly weight: number;
  readonly messaging: boolean;
  /** The span's attributes: read for a virtual node only when a client half expires unpaired. */
  readonly attributes: Attributes;
  readonly expiresAt: number;
  /** Paired, expired or evicted: its slot in the expiry queue is skipped. */
  done: boolean;
}

interface Edge {
  readonly client: string;
  readonly server: string;
  /** `client\0server`: the key of its dependency counts. */
  readonly depKey: string;
  readonly labels: string;
  requests: number;
  failed: number;
  readonly serverCounts: Float64Array;
  serverSum: number;
  readonly clientCounts: Float64Array;
  clientSum: number;
}

export interface ServiceGraphConnector {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  listeners(): readonly Listener[];
  consumeTraces(batch: SpanBatch): Promise<ExportResult>;
  /** Pairs the spans of a batch now (what consumeTraces does). */
  record(batch: SpanBatch): void;
  /** Ends the wait of halves whose ttl passed (run on a timer too); `now` in ms, default Date.now(). */
  expire(now?: number): void;
  /** This connector's Prometheus families. */
  render(): string;
  /**
   * Service-to-service calls for Jaeger's /api/dependencies: edges whose server span started in
   * [start, end] (at the resolution of the kept buckets), sorted by parent then child. Edges of a
   * service to itself are left out; virtual nodes (databases, peers named by the client) are in.
   * Counts are weighted by 1/sampling probability and rounded to whole calls.
   */
  dependencies(query: DependencyQuery): DependencyLink[];
  /** The oldest time (ns since the epoch) `dependencies` has data for. */
  coversFromUnixNano(): bigint;
  stats(): { readonly pending: number; readonly edges: number; readonly expired: number; readonly dropped: number };
}

const CONNECTION_MESSAGING = 'messaging_system';
const CONNECTION_DATABASE = 'database';
const CONNECTION_VIRTUAL = 'virtual_node';

/**
 * The service graph connector (after the OpenTelemetry Collector's `servicegraph`): a client (or
 * producer) span and the server (or consumer) span that is its child in the same trace make an
 * edge client service → server service. Halves wait for each other across batches in a bounded
 * store for `store.ttl`. Edges become `traces_service_graph_request_total`, `..._failed_total`
 * and server/client latency histograms in seconds, and per-minute counts for dependencies().
 */
export function createServiceGraphConnector(config: ServiceGraphConfig, deps: Pick<ConnectorDeps, 'id' | 'telemetry'>): ServiceGraphConnector {
  const bounds = Float64Array.from(config.latency_histogram_buckets, (ms) => ms / 1000);
  const boundsText = [...bounds].map(formatSampleValue);
  const boundsNano = Float64Array.from(config.latency_histogram_buckets, (ms) => ms * 1e6);
  const nb = bounds.length + 1;
  const weightOf = createWeightOf(samplingProbabilityOf);
  // Halves waiting: a map for lookup, and a FIFO in arrival order for expiry (one ttl for all, so
  // arrival order is expiry order). Paired entries stay in the FIFO marked done until they reach
  // its head. (Iterating a Map from its start after deleting at the front walks over the deleted
  // slots: far slower than this queue at the rates an ingest path sees.)
  const pending = new Map<string, Half>();
  let queue: Half[] = [];
  let head = 0;
  const popOldest = (): Half | undefined => {
    while (head < queue.length) {
      const p = queue[head++];
      if (!p.done) return p;
    }
    return undefined;
  };
  const compact = () => {
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  const edges = new Map<string, Edge>();
  let expiredCount = 0;
  let droppedCount = 0;
  // Plain numbers on the hot path, read at scrape time.
  const expiredBy = { clientExpired: 0, clientEvicted: 0, clientVirtual: 0, serverExpired: 0, serverEvicted: 0 };
  deps.telemetry.counterFunc('tracelight_servicegraph_expired_spans_total', 'Client or server spans whose other half did not come within the ttl (or were pushed out of the full store), by side and outcome.', () => [
    { labels: { connector: deps.id, side: 'client', outcome: 'expired' }, value: expiredBy.clientExpired },
    { labels: { connector: deps.id, side: 'client', outcome: 'evicted' }, value: expiredBy.clientEvicted },
    { labels: { connector: deps.id, side: 'client', outcome: 'virtual_node' }, value: expiredBy.clientVirtual },
    { labels: { connector: deps.id, side: 'server', outcome: 'expired' }, value: expiredBy.serverExpired },
    { labels: { connector: deps.id, side: 'server', outcome: 'evicted' }, value: expiredBy.serverEvicted },
  ]);
  deps.telemetry.counterFunc('tracelight_servicegraph_dropped_spans_total', 'Spans of an edge past the edge limit, not counted.', () => [{ labels: { connector: deps.id }, value: droppedCount }]);
  deps.telemetry.gaugeFunc('tracelight_servicegraph_pending_spans', 'Halves of edges waiting for their other half.', () => [{ labels: { connector: deps.id }, value: pending.size }]);

  // Dependencies: per bucket of server start time, "client\0server" → [calls, errors] (weighted).
  const depBuckets = createTimeBuckets<string>(config.dependencies.resolution, config.dependencies.retention);
  const addDependency = (key: string, startMs: number, weight: number, failed: boolean) => {
    const b = depBuckets.at(depBuckets.indexOf(startMs));
    if (!b) return;
    let cell = b.get(key);
    if (!cell) b.set(key, (cell = new Float64Array(2)));
    cell[0] += weight;
    if (failed) cell[1] += weight;
  };

  // Consecutive spans mostly belong to the same edge: the last one found is checked first.
  let last: Edge | undefined;
  let lastType = '';
  const edgeOf = (client: string, server: string, connectionType: string): Edge | undefined => {
    if (last !== undefined && last.client === client && last.server === server && lastType === connectionType) return last;
    const key = `${client}\u0000${server}\u0000${connectionType}`;
    let e = edges.get(key);
    if (!e) {
      if (edges.size >= config.edge_limit) return undefined;
      e = {
        client,
        server,
        depKey: `${client}\u0000${server}`,
        labels: labelPairs([
          ['client', client],
          ['server', server],
          ['connection_type', connectionType],
        ]),
        requests: 0,
        failed: 0,
        serverCounts: new Float64Array(nb),
        serverSum: 0,
        clientCounts: new Float64Array(nb),
        clientSum: 0,
      };
      edges.set(key, e);
    }
    last = e;
    lastType = connectionType;
    return e;
  };

  const complete = (client: Half, server: Half | undefined, serverName: string, connectionType: string) => {
    const weight = server?.weight ?? client.weight;
    const failed = client.failed || (server?.failed ?? false);
    const e = edgeOf(client.service, serverName, connectionType);
    if (!e) {
      droppedCount++;
      return;
    }
    e.requests += weight;
    if (failed) e.failed += weight;
    e.clientCounts[bucketIndex(boundsNano, client.durationNs)] += weight;
    e.clientSum += (client.durationNs / 1e9) * weight;
    if (server) {
      e.serverCounts[bucketIndex(boundsNano, server.durationNs)] += weight;
      e.serverSum += (server.durationNs / 1e9) * weight;
    }
    if (client.service !== serverName) addDependency(e.depKey, (server ?? client).startMs, weight, failed);
  };

  const expireOne = (p: Half, reason: 'expired' | 'evicted') => {
    expiredCount++;
    const peer = p.isClient && config.virtual_node_peer_attributes.length > 0 ? peerOf(p.attributes) : undefined;
    if (peer) {
      complete(p, undefined, peer.peer, peer.database ? CONNECTION_DATABASE : CONNECTION_VIRTUAL);
      expiredBy.clientVirtual++;
      return;
    }
    if (p.isClient) {
      if (reason === 'expired') expiredBy.clientExpired++;
      else expiredBy.clientEvicted++;
    } else if (reason === 'expired') expiredBy.serverExpired++;
    else expiredBy.serverEvicted++;
  };

  const expire = (now = Date.now()) => {
    while (head < queue.length) {
      const p = queue[head];
      if (!p.done && p.expiresAt > now) break;
      head++;
      if (p.done) continue;
      p.done = true;
      pending.delete(p.key);
      expireOne(p, 'expired');
    }
    compact();
  };

  const peerOf = (attrs: SpanBatch['attributes'][number]): { peer: string; database: boolean } | undefined => {
    for (const key of config.virtual_node_peer_attributes) {
      const v = getAttribute(attrs, key);
      if (v !== undefined && v !== null && v !== '') return { peer: anyValueToString(v), database: key.startsWith('db.') };
    }
    return undefined;
  };

  const virtualNodes = config.virtual_node_peer_attributes.length > 0;
  const record = (batch: SpanBatch) => {
    const n = batch.length;
    if (n === 0) return;
    const now = Date.now();
    depBuckets.setNow(now);
    expire(now);
    const services: (string | undefined)[] = new Array(batch.resources.length);
    const start = halves(batch.startTimeUnixNano);
    const end = halves(batch.endTimeUnixNano);
    const tid = batch.traceId;
    for (let i = 0; i < n; i++) {
      const kind = batch.kind[i];
      const isClient = kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER;
      const isServer = kind === SpanKind.SERVER || kind === SpanKind.CONSUMER;
      if (!isClient && !isServer) continue;
      // The edge is keyed by trace id + the client's span id: the server finds it through its parent id.
      const idBytes = isClient ? batch.spanId : batch.parentSpanId;
      const t = i * 16;
      const o = i * 8;
      const s0 = (idBytes[o] << 8) | idBytes[o + 1];
      const s1 = (idBytes[o + 2] << 8) | idBytes[o + 3];
      const s2 = (idBytes[o + 4] << 8) | idBytes[o + 5];
      const s3 = (idBytes[o + 6] << 8) | idBytes[o + 7];
      if ((s0 | s1 | s2 | s3) === 0) continue; // a server span without a parent: nobody to pair with
      const key = String.fromCharCode(
        (tid[t] << 8) | tid[t + 1],
        (tid[t + 2] << 8) | tid[t + 3],
        (tid[t + 4] << 8) | tid[t + 5],
        (tid[t + 6] << 8) | tid[t + 7],
        (tid[t + 8] << 8) | tid[t + 9],
        (tid[t + 10] << 8) | tid[t + 11],
        (tid[t + 12] << 8) | tid[t + 13],
        (tid[t + 14] << 8) | tid[t + 15],
        s0,
        s1,
        s2,
        s3,
      );
      const r = batch.resourceIndex[i];
      const service = (services[r] ??= serviceNameOf(batch.resources[r]));
      const s = timeAt(start, i);
      let dur = durationAt(start, end, i);
      if (!(dur > 0)) dur = 0;
      const half: Half = {
        key,
        isClient,
        service,
        durationNs: dur,
        startMs: s / 1e6,
        failed: batch.statusCode[i] === StatusCode.ERROR,
        weight: weightOf(batch.traceState[i]),
        messaging: kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER,
        attributes: batch.attributes[i],
        expiresAt: now + config.store.ttl,
        done: false,
      };
      // A database call: databases send no server spans, so it becomes a client → database edge
      // now instead of waiting out the ttl in the store.
      if (kind === SpanKind.CLIENT && virtualNodes && getAttribute(half.attributes, 'db.system') !== undefined) {
        const peer = peerOf(half.attributes);
        if (peer) {
          complete(half, undefined, peer.peer, CONNECTION_DATABASE);
          continue;
        }
      }
      const p = pending.get(key);
      if (p && p.isClient !== isClient) {
        pending.delete(key);
        p.done = true;
        const client = isClient ? half : p;
        const server = isClient ? p : half;
        complete(client, server, server.service, client.messaging || server.messaging ? CONNECTION_MESSAGING : '');
        continue;
      }
      if (p) continue; // a duplicate half (a retried export): the first one waits
      if (pending.size >= config.store.max_items) {
        const oldest = popOldest();
        if (oldest) {
          oldest.done = true;
          pending.delete(oldest.key);
          expireOne(oldest, 'evicted');
        }
      }
      pending.set(key, half);
      queue.push(half);
    }
    compact();
  };

  const renderInto = (out: string[]) => {
    const all = [...edges.values()];
    familyHeader(out, 'traces_service_graph_request_total', 'counter', 'Requests between two services (client and server span pairs; weighted by 1/sampling probability).');
    for (const e of all) out.push(`traces_service_graph_request_total{${e.labels}} ${formatSampleValue(e.requests)}`);
    familyHeader(out, 'traces_service_graph_request_failed_total', 'counter', 'Requests between two services where the client or the server span has status ERROR.');
    for (const e of all) out.push(`traces_service_graph_request_failed_total{${e.labels}} ${formatSampleValue(e.failed)}`);
    familyHeader(out, 'traces_service_graph_request_server_seconds', 'histogram', 'Duration of the server span of requests between two services, in seconds.');
    for (const e of all) histogramLines(out, 'traces_service_graph_request_server_seconds', e.labels, boundsText, e.serverCounts, e.serverSum);
    familyHeader(out, 'traces_service_graph_request_client_seconds', 'histogram', 'Duration of the client span of requests between two services, in seconds.');
    for (const e of all) histogramLines(out, 'traces_service_graph_request_client_seconds', e.labels, boundsText, e.clientCounts, e.clientSum);
  };
  const source = { render: renderInto };

  let timer: NodeJS.Timeout | undefined;
  const lifecycle = endpointLifecycle(deps.telemetry, config.endpoint, source, {
    onStart: () => {
      timer ??= setInterval(() => {
        depBuckets.setNow(Date.now());
        expire();
      }, Math.max(100, Math.min(config.store.ttl, 1000))).unref();
    },
    onShutdown: () => clearInterval(timer),
  });

  return {
    ...lifecycle,
    async consumeTraces(batch) {
      record(batch);
      return EXPORT_OK;
    },
    record,
    expire,
    render() {
      const out: string[] = [];
      renderInto(out);
      return `${out.join('\n')}\n`;
    },
    dependencies(q) {
      const from = Number(q.startTimeUnixNano / 1_000_000n);
      const to = Number(q.endTimeUnixNano / 1_000_000n);
      const resolutionMs = depBuckets.resolutionMs;
      const totals = new Map<string, [number, number]>();
      for (const [idx, cells] of depBuckets.entries()) {
        const bucketStart = idx * resolutionMs;
        // A bucket counts when it overlaps [from, to].
        if (bucketStart + resolutionMs <= from || bucketStart > to) continue;
        for (const [key, cell] of cells) {
          const t = totals.get(key);
          if (t) {
            t[0] += cell[0];
            t[1] += cell[1];
          } else totals.set(key, [cell[0], cell[1]]);
        }
      }
      return [...totals]
        .map(([key, [calls, errors]]) => {
          const [parent, child] = key.split('\u0000');
          return { parent, child, callCount: Math.round(calls), errorCount: Math.round(errors) };
        })
        .filter((l) => l.callCount > 0)
        .sort((a, b) => (a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : a.child < b.child ? -1 : a.child > b.child ? 1 : 0));
    },
    coversFromUnixNano: () => depBuckets.coversFromUnixNano(),
    stats: () => ({ pending: pending.size, edges: edges.size, expired: expiredCount, dropped: droppedCount }),
  };
}

/** Factory for config files: `connectors: { servicegraph: {...} }`, listed as an exporter of a traces pipeline. */
export const serviceGraphConnectorFactory: ComponentFactory<ServiceGraphConfig, ConnectorDeps, ServiceGraphConnector> & { readonly produces: readonly [] } = {
  kind: 'connector',
  type: 'servicegraph',
  signals: ['traces'],
  produces: [],
  defaultConfig: () => validate(undefined),
  validateConfig: validate,
  create: (config, deps) => createServiceGraphConnector(config, deps),
};
