import type { AnyValue, ExportResult, SpanBatch } from '@tracelight/core';
import { anyValueToString, EXPORT_OK, getAttribute, samplingProbabilityOf, serviceNameOf, StatusCode } from '@tracelight/core';
import type { MetricsPoint, MetricsQuery, MetricsSeries } from '@tracelight/store';
import { DEFAULT_QUANTILES } from '@tracelight/store';
import type { ComponentFactory, Listener } from '../../component.js';
import { ConfigError } from '../../component.js';
import type { ConnectorDeps } from '../../components.js';
import type { Endpoint, Parser } from '../../internal/schema.js';
import { bool, duration, endpoint, list, num, object, oneOf, optional, parseConfig, str } from '../../internal/schema.js';
import { endpointLifecycle } from '../internal/metrics-endpoint.js';
import type { TimeBuckets } from '../internal/time-buckets.js';
import { createTimeBuckets } from '../internal/time-buckets.js';
import {
  bucketIndex,
  checkBuckets,
  createWeightOf,
  durationAt,
  familyHeader,
  formatSampleValue,
  halves,
  histogramLines,
  histogramQuantile,
  labelPairs,
  sanitizeName,
  timeAt,
} from '../internal/prometheus-text.js';
import { createSpanNameNormalizer } from './path-normalizer.js';

export interface SpanMetricsDimension {
  /** Attribute key, looked up on the span, then on its resource. */
  readonly name: string;
  /** Value when neither has it; without one, the label is left out for such spans. */
  readonly default?: string;
}

export interface SpanMetricsConfig {
  /** Where `GET /metrics` serves the Prometheus text. Default 127.0.0.1:8889. */
  readonly endpoint: Endpoint;
  /** Metric name prefix, dots becoming underscores. Default `traces.span.metrics` (the Collector's). */
  readonly namespace: string;
  readonly histogram: {
    /** Unit of the duration histogram: `s` (default; `..._duration_seconds`) or `ms` (`..._duration_milliseconds`). */
    readonly unit: 's' | 'ms';
    /** Bucket upper bounds, as durations (ms). Default the Collector's: 2ms … 15s. */
    readonly explicit: { readonly buckets: readonly number[] };
  };
  /** Extra labels from span (then resource) attributes. */
  readonly dimensions: readonly SpanMetricsDimension[];
  /** Most series one metric holds; spans of any further series go to one `otel_metric_overflow="true"` series. Default 10,000. */
  readonly aggregation_cardinality_limit: number;
  /** Most distinct span names per service; further ones are counted under span_name `__overflow__`. Default 1,000. */
  readonly span_name_limit_per_service: number;
  /** Most distinct values of each extra dimension; further ones become `__overflow__`. Default 100. */
  readonly dimension_value_limit: number;
  /** Replace id-like path segments of HTTP-route-like span names with `{id}`. Default true. */
  readonly normalize_paths: boolean;
  /** Count each span as 1/p, p its tracestate's `ot=th` sampling probability. Default true. */
  readonly weight_by_sampling_probability: boolean;
  /** The in-memory time series behind `query()` (Jaeger's /api/metrics): bucket width and how long buckets are kept. */
  readonly time_series: { readonly resolution: number; readonly retention: number };
}

/** The Collector's default buckets, in ms. */
export const DEFAULT_DURATION_BUCKETS_MS: readonly number[] = Object.freeze([2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000]);

/** Label value that replaces a span name or dimension value past its limit. */
export const OVERFLOW_VALUE = '__overflow__';

const KIND_LABEL = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_LABEL = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const schema = object<SpanMetricsConfig>(
  {
    endpoint,
    namespace: str(),
    histogram: object(
      {
        unit: oneOf(['s', 'ms']),
        explicit: object({ buckets: list(duration(), { nonEmpty: true }) }, { buckets: DEFAULT_DURATION_BUCKETS_MS.map((ms) => `${ms}ms`) }),
      },
      { unit: 's', explicit: {} },
    ),
    dimensions: list(object<SpanMetricsDimension>({ name: str({ nonEmpty: true }), default: optional(str()) as Parser<string> })),
    aggregation_cardinality_limit: num({ min: 1, integer: true }),
    span_name_limit_per_service: num({ min: 1, integer: true }),
    dimension_value_limit: num({ min: 1, integer: true }),
    normalize_paths: bool,
    weight_by_sampling_probability: bool,
    time_series: object({ resolution: duration({ min: 1000 }), retention: duration({ min: 1000 }) }, { resolution: '1m', retention: '1h' }),
  },
  {
    endpoint: '127.0.0.1:8889',
    namespace: 'traces.span.metrics',
    histogram: {},
    dimensions: [],
    aggregation_cardinality_limit: 10_000,
    span_name_limit_per_service: 1_000,
    dimension_value_limit: 100,
    normalize_paths: true,
    weight_by_sampling_probability: true,
    time_series: {},
  },
);

const RESERVED_LABELS = new Set(['service_name', 'span_name', 'span_kind', 'status_code', 'le', 'otel_metric_overflow']);

function validate(config: unknown, path = 'connectors.spanmetrics'): SpanMetricsConfig {
  const c = parseConfig(schema, config, path);
  const problems: string[] = [];
  checkBuckets(c.histogram.explicit.buckets, `${path}.histogram.explicit.buckets`, problems);
  const seen = new Set<string>();
  c.dimensions.forEach((d, i) => {
    const label = sanitizeName(d.name);
    if (RESERVED_LABELS.has(label)) problems.push(`${path}.dimensions[${i}]: "${d.name}" would become the label "${label}", which is taken`);
    if (seen.has(label)) problems.push(`${path}.dimensions[${i}]: "${d.name}" gives the label "${label}" twice`);
    seen.add(label);
  });
  if (c.time_series.retention < c.time_series.resolution) problems.push(`${path}.time_series.retention: must be at least the resolution`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return c;
}

/** The per-(service, span name, kind, status) part of a series, shared by its extra-dimension variants (the time series are kept at this grain). */
interface BaseSeries {
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly status: number;
  /** The time-series cell last written (most spans of a batch fall in one bucket). */
  lastIdx: number;
  lastCell: Float64Array | undefined;
}

/** Hot-path lookup: service → span name → kind·3+status → the series (or, with dimensions, dimension key → series). */
type Slot = Series | Map<string, Series> | undefined;
type NameSlots = Slot[];

interface Series {
  readonly base: BaseSeries;
  /** Rendered label pairs, without braces. */
  readonly labels: string;
  /** Per bucket (not cumulative), the +Inf bucket last; weighted. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** The connector, as the pipeline sees it plus what the query API and tests use. */
export interface SpanMetricsConnector {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  listeners(): readonly Listener[];
  consumeTraces(batch: SpanBatch): Promise<ExportResult>;
  /** Aggregates a batch now (what consumeTraces does). */
  record(batch: SpanBatch): void;
  /** The Prometheus text served on the endpoint (this connector's families only). */
  render(): string;
  /**
   * RED metrics for Jaeger's /api/metrics, from the in-memory time series: bucket k of the answer
   * holds the spans that started in [start + k·step, start + (k+1)·step), at the resolution of the
   * time series (a step below it gives points at resolution boundaries only). Counts are weighted
   * (fractional when spans were sampled); latency quantiles are estimated from the histogram
   * buckets like PromQL's histogram_quantile, in nanoseconds. Spans older than the retention are
   * not there: answer such ranges from the store.
   */
  query(query: MetricsQuery): MetricsSeries[];
  /** The oldest time (ns since the epoch) `query` has data for: now minus the retention. */
  coversFromUnixNano(): bigint;
  /** Series held, and spans counted in overflow series or values. */
  stats(): { readonly series: number; readonly overflowSpans: number };
}

/**
 * The span metrics connector (after the OpenTelemetry Collector's `spanmetrics`): RED metrics from
 * spans, `<ns>_calls_total` and `<ns>_duration_<unit>` by service_name, span_name, span_kind,
 * status_code and the configured dimensions, served as Prometheus text. Names and label values
 * are the Collector's (with its Prometheus exporter), so dashboards built on them and Jaeger's
 * Monitor tab work.
 */
export function createSpanMetricsConnector(config: SpanMetricsConfig, deps: Pick<ConnectorDeps, 'id' | 'telemetry'>): SpanMetricsConnector {
  const ns = sanitizeName(config.namespace);
  const callsName = `${ns}_calls_total`;
  const unitName = config.histogram.unit === 's' ? 'seconds' : 'milliseconds';
  const durationName = `${ns}_duration_${unitName}`;
  const unitDivisor = config.histogram.unit === 's' ? 1e9 : 1e6;
  const boundsMs = config.histogram.explicit.buckets;
  const bounds = Float64Array.from(boundsMs, (ms) => (config.histogram.unit === 's' ? ms / 1000 : ms));
  const boundsText = [...bounds].map(formatSampleValue);
  const boundsNano = Float64Array.from(boundsMs, (ms) => ms * 1e6);
  const nb = bounds.length + 1;
  const dims = config.dimensions.map((d) => ({ key: d.name, label: sanitizeName(d.name), default: d.default, values: new Set<string>() }));
  const normalize = config.normalize_paths ? createSpanNameNormalizer() : (n: string) => n;
  const weightOf = config.weight_by_sampling_probability ? createWeightOf(samplingProbabilityOf) : () => 1;

  const series = new Map<string, Series>();
  const bases = new Map<string, BaseSeries>();
  const namesByService = new Map<string, Set<string>>();
  let overflowSeries: Series | undefined;
  let overflowSpans = 0;
  const overflowBy = new Map<string, number>();
  deps.telemetry.counterFunc('tracelight_spanmetrics_overflow_spans_total', 'Spans counted in an overflow series or label value of the span metrics, by the limit hit.', () =>
    [...overflowBy].map(([reason, value]) => ({ labels: { connector: deps.id, reason }, value })),
  );
  deps.telemetry.gaugeFunc('tracelight_spanmetrics_series', 'Series held by a span metrics connector.', () => [{ labels: { connector: deps.id }, value: series.size }]);
  const overflow = (reason: string) => {
    overflowSpans++;
    overflowBy.set(reason, (overflowBy.get(reason) ?? 0) + 1);
  };

  // Time series for query(): per bucket of span start time, base series → [weighted count, weighted count per duration bucket...].
  const timeBuckets = createTimeBuckets<BaseSeries>(config.time_series.resolution, config.time_series.retention);

  const dimValue = (attrs: SpanBatch['attributes'][number], resAttrs: SpanBatch['attributes'][number], d: (typeof dims)[number]): string | undefined => {
    let v: AnyValue | undefined = getAttribute(attrs, d.key);
    if (v === undefined) v = getAttribute(resAttrs, d.key);
    if (v === undefined || v === null) return d.default;
    return anyValueToString(v);
  };

  const newSeries = (key: string, service: string, name: string, kind: number, status: number, dimValues: readonly (string | undefined)[]): Series => {
    const baseKey = `${service}\u0000${name}\u0000${kind}\u0000${status}`;
    let base = bases.get(baseKey);
    if (!base) bases.set(baseKey, (base = { service, name, kind, status, lastIdx: NaN, lastCell: undefined }));
    const pairs: [string, string][] = [
      ['service_name', service],
      ['span_name', name],
      ['span_kind', KIND_LABEL[kind] ?? KIND_LABEL[0]],
      ['status_code', STATUS_LABEL[status] ?? STATUS_LABEL[0]],
    ];
    dims.forEach((d, j) => pairs.push([d.label, dimValues[j] ?? '']));
    const s: Series = { base, labels: labelPairs(pairs), counts: new Float64Array(nb), sum: 0, count: 0 };
    series.set(key, s);
    return s;
  };

  const resolve = (service: string, rawName: string, kind: number, status: number, dimValues: (string | undefined)[]): Series => {
    // Limits apply only when a series is new: the common case (a known series) costs one lookup.
    let name = rawName;
    let names = namesByService.get(service);
    if (!names) namesByService.set(service, (names = new Set()));
    if (!names.has(name)) {
      if (names.size >= config.span_name_limit_per_service) {
        name = OVERFLOW_VALUE;
        overflow('span_name');
      } else names.add(name);
    }
    for (let j = 0; j < dims.length; j++) {
      const v = dimValues[j];
      if (v === undefined || dims[j].values.has(v)) continue;
      if (dims[j].values.size >= config.dimension_value_limit) {
        dimValues[j] = OVERFLOW_VALUE;
        overflow('dimension');
      } else dims[j].values.add(v);
    }
    let key = `${service}\u0000${name}\u0000${kind}\u0000${status}`;
    for (const v of dimValues) key += `\u0000${v ?? '\u0001'}`;
    const existing = series.get(key);
    if (existing) return existing;
    if (series.size >= config.aggregation_cardinality_limit) {
      overflow('series');
      overflowSeries ??= {
        base: { service: OVERFLOW_VALUE, name: OVERFLOW_VALUE, kind: 0, status: 0, lastIdx: NaN, lastCell: undefined },
        labels: labelPairs([['otel_metric_overflow', 'true']]),
        counts: new Float64Array(nb),
        sum: 0,
        count: 0,
      };
      return overflowSeries;
    }
    return newSeries(key, service, name, kind, status, dimValues);
  };

  // The fast path: nested maps keyed by strings the decoder already made (no key concatenated per
  // span). Only series within the limits are cached here; overflowing spans take resolve() each time.
  const fast = new Map<string, Map<string, NameSlots>>();
  const lookup = (names: Map<string, NameSlots>, name: string, slot: number, dimKey: string | undefined): Series | undefined => {
    const s = names.get(name)?.[slot];
    if (s === undefined || dimKey === undefined) return s as Series | undefined;
    return (s as Map<string, Series>).get(dimKey);
  };
  const remember = (names: Map<string, NameSlots>, name: string, slot: number, dimKey: string | undefined, s: Series) => {
    let slots = names.get(name);
    if (!slots) names.set(name, (slots = new Array<Slot>(18)));
    if (dimKey === undefined) slots[slot] = s;
    else {
      let m = slots[slot] as Map<string, Series> | undefined;
      if (!m) slots[slot] = m = new Map();
      m.set(dimKey, s);
    }
  };

  const record = (batch: SpanBatch) => {
    const n = batch.length;
    if (n === 0) return;
    const services: (string | undefined)[] = new Array(batch.resources.length);
    const fastOf: (Map<string, NameSlots> | undefined)[] = new Array(batch.resources.length);
    timeBuckets.setNow(Date.now());
    const start = halves(batch.startTimeUnixNano);
    const end = halves(batch.endTimeUnixNano);
    const dimValues: (string | undefined)[] = new Array(dims.length);
    for (let i = 0; i < n; i++) {
      const r = batch.resourceIndex[i];
      const service = (services[r] ??= serviceNameOf(batch.resources[r]));
      const name = normalize(batch.name[i]);
      // Values outside OTLP's enums count as UNSPECIFIED / UNSET (one series per label set).
      const kind = batch.kind[i] < 6 ? batch.kind[i] : 0;
      const status = batch.statusCode[i] < 3 ? batch.statusCode[i] : 0;
      const w = weightOf(batch.traceState[i]);
      let names = fastOf[r];
      if (!names) {
        names = fast.get(service);
        if (!names) fast.set(service, (names = new Map()));
        fastOf[r] = names;
      }
      const slot = kind * 3 + status;
      let dimKey: string | undefined;
      if (dims.length > 0) {
        const attrs = batch.attributes[i];
        const resAttrs = batch.resources[r].attributes;
        dimKey = '';
        for (let j = 0; j < dims.length; j++) {
          const v = dimValue(attrs, resAttrs, dims[j]);
          dimValues[j] = v;
          dimKey += `\u0000${v ?? '\u0001'}`;
        }
      }
      let s = lookup(names, name, slot, dimKey);
      if (s === undefined) {
        s = resolve(service, name, kind, status, dimValues.slice());
        if (s.base.name === name && s !== overflowSeries && !s.labels.includes(OVERFLOW_VALUE)) remember(names, name, slot, dimKey, s);
      }
      const startNs = timeAt(start, i);
      let durNs = durationAt(start, end, i);
      if (!(durNs > 0)) durNs = 0;
      const b = bucketIndex(boundsNano, durNs);
      s.counts[b] += w;
      s.sum += (durNs / unitDivisor) * w;
      s.count += w;
      if (s === overflowSeries) continue;
      const idx = timeBuckets.indexOf(startNs / 1e6);
      const base = s.base;
      let cell = base.lastIdx === idx && idx === timeBuckets.lastIndex() ? base.lastCell : undefined;
      if (!cell) {
        const tb = timeBuckets.at(idx);
        if (!tb) continue;
        cell = tb.get(base);
        if (!cell) tb.set(base, (cell = new Float64Array(nb + 1)));
        base.lastIdx = idx;
        base.lastCell = cell;
      }
      cell[0] += w;
      cell[1 + b] += w;
    }
  };

  const renderInto = (out: string[]) => {
    const all = overflowSeries ? [...series.values(), overflowSeries] : [...series.values()];
    familyHeader(out, callsName, 'counter', 'Spans counted per service, span name, kind and status (weighted by 1/sampling probability).');
    for (const s of all) out.push(`${callsName}{${s.labels}} ${formatSampleValue(s.count)}`);
    familyHeader(out, durationName, 'histogram', `Span durations in ${unitName} (weighted by 1/sampling probability).`);
    for (const s of all) histogramLines(out, durationName, s.labels, boundsText, s.counts, s.sum);
  };
  const source = { render: renderInto };

  return {
    ...endpointLifecycle(deps.telemetry, config.endpoint, source),
    async consumeTraces(batch) {
      record(batch);
      return EXPORT_OK;
    },
    record,
    render() {
      const out: string[] = [];
      renderInto(out);
      return `${out.join('\n')}\n`;
    },
    coversFromUnixNano: () => timeBuckets.coversFromUnixNano(),
    query(q) {
      return queryTimeSeries(q, timeBuckets, boundsNano);
    },
    stats: () => ({ series: series.size + (overflowSeries ? 1 : 0), overflowSpans }),
  };
}

function queryTimeSeries(q: MetricsQuery, timeBuckets: TimeBuckets<BaseSeries>, boundsNano: Float64Array): MetricsSeries[] {
  const resolutionMs = timeBuckets.resolutionMs;
  if (q.stepNano <= 0n) throw new RangeError('stepNano must be > 0');
  const quantiles = q.quantiles && q.quantiles.length > 0 ? q.quantiles : DEFAULT_QUANTILES;
  const services = q.serviceNames && q.serviceNames.length > 0 ? new Set(q.serviceNames) : undefined;
  const kinds = q.spanKinds && q.spanKinds.length > 0 ? new Set<number>(q.spanKinds) : undefined;
  const startNs = q.startTimeUnixNano;
  const endNs = q.endTimeUnixNano;
  const nb = boundsNano.length + 1;
  interface Acc {
    readonly service: string;
    readonly operation?: string;
    readonly steps: Map<bigint, { calls: number; errors: number; counts: Float64Array }>;
  }
  const groups = new Map<string, Acc>();
  for (const [idx, cells] of timeBuckets.entries()) {
    const bucketStart = BigInt(idx * resolutionMs) * 1_000_000n;
    if (bucketStart < startNs || bucketStart >= endNs) continue;
    const k = (bucketStart - startNs) / q.stepNano;
    const stepStart = startNs + k * q.stepNano;
    for (const [base, cell] of cells) {
      if (services && !services.has(base.service)) continue;
      if (kinds && !kinds.has(base.kind)) continue;
      const gk = q.groupByOperation ? `${base.service}\u0000${base.name}` : base.service;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { service: base.service, operation: q.groupByOperation ? base.name : undefined, steps: new Map() }));
      let p = g.steps.get(stepStart);
      if (!p) g.steps.set(stepStart, (p = { calls: 0, errors: 0, counts: new Float64Array(nb) }));
      p.calls += cell[0];
      if (base.status === StatusCode.ERROR) p.errors += cell[0];
      for (let b = 0; b < nb; b++) p.counts[b] += cell[1 + b];
    }
  }
  const out: MetricsSeries[] = [];
  for (const g of groups.values()) {
    const points: MetricsPoint[] = [...g.steps]
      .filter(([, p]) => p.calls > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([time, p]) => ({
        timeUnixNano: time,
        callCount: p.calls,
        errorCount: p.errors,
        latencyQuantilesNano: quantiles.map((qq) => histogramQuantile(qq, boundsNano, p.counts)),
      }));
    if (points.length === 0) continue;
    out.push(g.operation === undefined ? { serviceName: g.service, points } : { serviceName: g.service, operationName: g.operation, points });
  }
  return out.sort((a, b) => cmp(a.serviceName, b.serviceName) || cmp(a.operationName ?? '', b.operationName ?? ''));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Factory for config files: `connectors: { spanmetrics: {...} }`, listed as an exporter of a traces pipeline. */
export const spanMetricsConnectorFactory: ComponentFactory<SpanMetricsConfig, ConnectorDeps, SpanMetricsConnector> & { readonly produces: readonly [] } = {
  kind: 'connector',
  type: 'spanmetrics',
  signals: ['traces'],
  produces: [],
  defaultConfig: () => validate(undefined),
  validateConfig: validate,
  create: (config, deps) => createSpanMetricsConnector(config, deps),
};

