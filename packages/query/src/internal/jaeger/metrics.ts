import type { SpanKind } from '@tracelight/core';
import type { MetricsSeries, StoreReader } from '@tracelight/store';
import type { Metric, MetricFamily, MetricPoint } from '../../api-types.js';

export type MetricKind = 'latencies' | 'calls' | 'errors';

export interface MetricsRequest {
  readonly kind: MetricKind;
  readonly serviceNames: readonly string[];
  readonly spanKinds: readonly SpanKind[];
  readonly groupByOperation: boolean;
  /** For latencies: in (0, 1]. */
  readonly quantile: number;
  readonly endTimeUnixNano: bigint;
  readonly lookbackNano: bigint;
  readonly stepNano: bigint;
  readonly ratePerNano: bigint;
}

/** RFC 3339 as protobuf JSON writes a Timestamp: no fraction when it is zero, else 3, 6 or 9 digits. */
export function rfc3339(nanos: bigint): string {
  const sub = nanos % 1_000_000_000n;
  const base = new Date(Number((nanos - sub) / 1_000_000n)).toISOString().slice(0, 19);
  if (sub === 0n) return `${base}Z`;
  let frac = sub.toString().padStart(9, '0');
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${base}.${frac}Z`;
}

function labels(s: MetricsSeries): Metric['labels'] {
  const out = [{ name: 'service_name', value: s.serviceName }];
  if (s.operationName !== undefined) out.push({ name: 'operation', value: s.operationName });
  return out;
}

function point(timeUnixNano: bigint, value: number): MetricPoint {
  return { gaugeValue: { doubleValue: value }, timestamp: rfc3339(timeUnixNano) };
}

/**
 * Jaeger's span-metrics answers (what its Monitor tab reads) from the store's RED buckets.
 * Points sit at t = start + k·step (k = 1…N, start = end − lookback), each describing the time
 * just before it, as a Prometheus range query would:
 * - latencies: the quantile (milliseconds) of the durations of spans starting in [t − step, t);
 * - calls: spans per second starting in [t − ratePer, t) (ratePer rounded to whole steps);
 * - errors: error spans / spans in that same window (no point where there were no calls).
 */
export async function jaegerMetrics(reader: StoreReader, req: MetricsRequest): Promise<MetricFamily> {
  const step = req.stepNano;
  const steps = req.lookbackNano / step;
  const start = req.endTimeUnixNano - steps * step;
  const grouped = req.groupByOperation;
  const family = (name: string, help: string, metrics: Metric[]): MetricFamily => ({
    name: grouped ? name.replace('service', 'service_operation') : name,
    type: 'GAUGE',
    help: grouped ? `${help} & operation` : help,
    metrics,
  });
  const base = { serviceNames: req.serviceNames, spanKinds: req.spanKinds, groupByOperation: grouped, stepNano: step };

  if (req.kind === 'latencies') {
    const series = await reader.getMetrics({ ...base, startTimeUnixNano: start, endTimeUnixNano: start + steps * step, quantiles: [req.quantile] });
    const metrics = series.map((s) => ({
      labels: labels(s),
      metricPoints: s.points.map((p) => point(p.timeUnixNano + step, p.latencyQuantilesNano[0] / 1e6)),
    }));
    return family('service_latencies', `${req.quantile.toFixed(2)}th quantile latency, grouped by service`, metrics);
  }

  // Rates look back `window` steps from each point, so the buckets start that much earlier.
  const window = req.ratePerNano <= step ? 1n : (req.ratePerNano + step / 2n) / step;
  const from = start - window * step;
  const series = await reader.getMetrics({ ...base, startTimeUnixNano: from, endTimeUnixNano: start + steps * step, quantiles: [0.5] });
  const seconds = Number(window * step) / 1e9;
  const n = Number(steps);
  const w = Number(window);
  const metrics = series.map((s) => {
    // Running sums over the bucket index j (bucket j starts at from + j·step).
    const calls = new Float64Array(n + w + 1);
    const errors = new Float64Array(n + w + 1);
    for (const p of s.points) {
      const j = Number((p.timeUnixNano - from) / step);
      calls[j + 1] += p.callCount;
      errors[j + 1] += p.errorCount;
    }
    for (let j = 1; j < calls.length; j++) {
      calls[j] += calls[j - 1];
      errors[j] += errors[j - 1];
    }
    const metricPoints: MetricPoint[] = [];
    for (let k = 1; k <= n; k++) {
      // Point t_k = start + k·step looks at buckets k … k + w − 1.
      const c = calls[k + w] - calls[k];
      const t = start + BigInt(k) * step;
      if (req.kind === 'calls') metricPoints.push(point(t, c / seconds));
      else if (c > 0) metricPoints.push(point(t, (errors[k + w] - errors[k]) / c));
    }
    return { labels: labels(s), metricPoints };
  });
  return req.kind === 'calls'
    ? family('service_call_rate', 'calls/sec, grouped by service', metrics)
    : family('service_error_rate', 'error rate, computed as a fraction of errors/sec over calls/sec, grouped by service', metrics);
}
