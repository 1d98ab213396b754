import type { MetricFamily } from '../api/types.js';

/** One line of a chart: (epoch seconds, value) points in time order. */
export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

/** The series of a metric family, keyed `service` or `service\u0000operation`. */
export function seriesByKey(family: MetricFamily): Map<string, Series['points']> {
  const out = new Map<string, [number, number][]>();
  for (const m of family.metrics) {
    const service = m.labels.find((l) => l.name === 'service_name')?.value ?? '';
    const operation = m.labels.find((l) => l.name === 'operation')?.value;
    const key = operation === undefined ? service : `${service}\u0000${operation}`;
    const points = m.metricPoints
      .map((p) => [Date.parse(p.timestamp) / 1000, p.gaugeValue.doubleValue] as [number, number])
      .filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v))
      .sort((a, b) => a[0] - b[0]);
    out.set(key, points);
  }
  return out;
}

/**
 * uPlot's data layout: one shared, sorted x array and a y array per series (null where a series
 * has no point at that x).
 */
export function alignSeries(series: readonly Series[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y = new Array<number | null>(xs.length).fill(null);
    for (const [x, v] of s.points) y[index.get(x)!] = v;
    return y;
  });
  return [xs, ...ys];
}

export function mean(points: Series['points'] | undefined): number | undefined {
  if (!points || points.length === 0) return undefined;
  return points.reduce((s, p) => s + p[1], 0) / points.length;
}

/** Mean of `values` weighted by `weights` at the same times (e.g. error rate by call rate). */
export function weightedMean(values: Series['points'] | undefined, weights: Series['points'] | undefined): number | undefined {
  if (!values || values.length === 0) return undefined;
  const w = new Map(weights?.map(([t, v]) => [t, v]) ?? []);
  let num = 0;
  let den = 0;
  for (const [t, v] of values) {
    const k = w.get(t) ?? 0;
    num += v * k;
    den += k;
  }
  return den > 0 ? num / den : mean(values);
}

/** A step that gives about `points` points over the lookback, rounded to a whole second (at least 1 s). */
export function stepFor(lookbackNano: bigint, points = 60): bigint {
  const raw = lookbackNano / BigInt(points);
  const s = raw / 1_000_000_000n;
  return (s < 1n ? 1n : s) * 1_000_000_000n;
}
