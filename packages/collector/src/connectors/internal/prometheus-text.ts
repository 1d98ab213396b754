// Small pieces of the Prometheus text exposition format (0.0.4) that the connectors write
// themselves: their series are kept in their own tables (weighted float counters, per-series
// histograms), so they render straight from those instead of going through a registry.

/** A label value inside double quotes: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A sample value: integers and floats as JavaScript prints them, infinities as Prometheus spells them. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * An attribute key or namespace as a Prometheus name part, the way the Collector's Prometheus
 * exporter does it: every character outside [a-zA-Z0-9_] becomes `_`, and a leading digit gets a
 * `key_` prefix. `http.request.method` → `http_request_method`.
 */
export function sanitizeName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  if (out.startsWith('__')) out = `key${out}`;
  return out === '' ? 'key_' : out;
}

/** `name="value",...` (no braces) for label pairs; pairs with an empty value are left out, as Prometheus treats them as absent. */
export function labelPairs(labels: readonly (readonly [string, string])[]): string {
  let out = '';
  for (const [k, v] of labels) {
    if (v === '') continue;
    out += `${out === '' ? '' : ','}${k}="${escapeLabelValue(v)}"`;
  }
  return out;
}

/** `{pairs}`, or nothing when there are none. */
export function braces(pairs: string): string {
  return pairs === '' ? '' : `{${pairs}}`;
}

/** `{pairs,le="bound"}`. */
export function withLe(pairs: string, le: string): string {
  return `{${pairs === '' ? '' : `${pairs},`}le="${le}"}`;
}

/** HELP and TYPE lines of a family. */
export function familyHeader(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  out.push(`# TYPE ${name} ${type}`);
}

/**
 * The lines of one histogram series. `counts` are per bucket (not cumulative), one per bound plus
 * the +Inf bucket at the end; `bounds` are in the metric's unit.
 */
export function histogramLines(out: string[], name: string, pairs: string, bounds: readonly string[], counts: ArrayLike<number>, sum: number): void {
  let cumulative = 0;
  for (let b = 0; b < bounds.length; b++) {
    cumulative += counts[b];
    out.push(`${name}_bucket${withLe(pairs, bounds[b])} ${formatSampleValue(cumulative)}`);
  }
  cumulative += counts[bounds.length];
  out.push(`${name}_bucket${withLe(pairs, '+Inf')} ${formatSampleValue(cumulative)}`);
  out.push(`${name}_sum${braces(pairs)} ${formatSampleValue(sum)}`);
  out.push(`${name}_count${braces(pairs)} ${formatSampleValue(cumulative)}`);
}

/** Index of the bucket a value falls in: the first bound >= value, or bounds.length (+Inf). */
export function bucketIndex(bounds: Float64Array, value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The q-quantile of a histogram the way PromQL's histogram_quantile estimates it: linear
 * interpolation inside the bucket holding the rank, 0 as the lower edge of the first bucket, and
 * the highest finite bound when the rank falls in the +Inf bucket. NaN when the histogram is empty.
 */
export function histogramQuantile(q: number, bounds: Float64Array, counts: ArrayLike<number>): number {
  let total = 0;
  for (let b = 0; b <= bounds.length; b++) total += counts[b];
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let cumulative = 0;
  for (let b = 0; b <= bounds.length; b++) {
    const c = counts[b];
    if (cumulative + c >= rank && c > 0) {
      if (b === bounds.length) return bounds.length > 0 ? bounds[bounds.length - 1] : NaN;
      const lower = b === 0 ? 0 : bounds[b - 1];
      return lower + (bounds[b] - lower) * ((rank - cumulative) / c);
    }
    cumulative += c;
  }
  return bounds.length > 0 ? bounds[bounds.length - 1] : NaN;
}

/**
 * The weight of a span in span-derived metrics: 1/p for the probability p its tracestate's
 * `ot=th:` says it was sampled with (1 without one). Cached per distinct tracestate text, as most
 * spans of a process share one.
 */
export function createWeightOf(probabilityOf: (traceState: string) => number, cacheSize = 256): (traceState: string) => number {
  const cache = new Map<string, number>();
  return (traceState) => {
    if (traceState === '') return 1;
    let w = cache.get(traceState);
    if (w === undefined) {
      const p = probabilityOf(traceState);
      w = p > 0 ? 1 / p : 1;
      if (cache.size >= cacheSize) cache.clear();
      cache.set(traceState, w);
    }
    return w;
  };
}

/** A 64-bit time column as 32-bit halves (little-endian: row i is [2i] low, [2i+1] high), made once per batch. */
export function halves(column: BigUint64Array): Uint32Array {
  return new Uint32Array(column.buffer, column.byteOffset, column.length * 2);
}

/** Row `i` of a halves() view as a float (nanoseconds; exact below 2^53). */
export function timeAt(v: Uint32Array, i: number): number {
  return v[2 * i + 1] * 0x1_0000_0000 + v[2 * i];
}

/** End minus start of row `i` in nanoseconds, exact below 2^53 (computed on the halves, not on two large floats). */
export function durationAt(start: Uint32Array, end: Uint32Array, i: number): number {
  return (end[2 * i + 1] - start[2 * i + 1]) * 0x1_0000_0000 + (end[2 * i] - start[2 * i]);
}

/** Config check of histogram bounds (ms): each above 0, increasing. */
export function checkBuckets(buckets: readonly number[], path: string, problems: string[]): void {
  for (let i = 0; i < buckets.length; i++) {
    if (!(buckets[i] > 0)) problems.push(`${path}[${i}]: must be above 0`);
    if (i > 0 && buckets[i] <= buckets[i - 1]) problems.push(`${path}: must be increasing (${buckets[i - 1]} ms then ${buckets[i]} ms)`);
  }
}
