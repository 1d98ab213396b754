/**
 * The collector's own metrics, rendered in the Prometheus text exposition format (version 0.0.4).
 * Components register what they count; values are plain numbers bumped on the hot path, or
 * read by a callback at scrape time. Names follow Prometheus conventions (base units, counters
 * end in `_total`) so `promtool check metrics` accepts the output.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels?: Labels;
  readonly value: number;
}

export interface Counter {
  add(value: number, labels?: Labels): void;
}

export interface Histogram {
  /** Records one observation (in the metric's base unit, e.g. seconds). */
  observe(value: number, labels?: Labels): void;
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A counter whose samples are read at scrape time. */
  counterFunc(name: string, help: string, collect: () => readonly Sample[]): void;
  /** A gauge whose samples are read at scrape time. */
  gaugeFunc(name: string, help: string, collect: () => readonly Sample[]): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** Every metric in the text exposition format. */
  render(): string;
}

/** Seconds buckets for store write and export latencies: 1 ms to 30 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

/** Batch size buckets (items per batch). */
export const SIZE_BUCKETS: readonly number[] = Object.freeze([10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000]);

type Kind = 'counter' | 'gauge' | 'histogram';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  render(out: string[]): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const entries = Object.entries(labels ?? {});
  if (extra) entries.push(extra);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function checkLabels(labels: Labels | undefined): void {
  for (const k of Object.keys(labels ?? {})) if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`bad label name ${k}`);
}

export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>();

  const register = (family: Family) => {
    if (!NAME.test(family.name)) throw new Error(`bad metric name ${family.name}`);
    if (family.kind === 'counter' && !family.name.endsWith('_total')) throw new Error(`counter ${family.name} must end in _total`);
    const existing = families.get(family.name);
    if (existing) {
      if (existing.kind !== family.kind) throw new Error(`metric ${family.name} registered as ${existing.kind} and ${family.kind}`);
      return existing;
    }
    families.set(family.name, family);
    return family;
  };

  // Several components may register the same family (one per pipeline): they share it.
  const sampleSources = new Map<string, (() => readonly Sample[])[]>();
  const histograms = new Map<string, Histogram>();
  const counterValues = new Map<string, Map<string, { labels: Labels | undefined; value: number }>>();
  const funcFamily = (name: string, help: string, kind: Kind, collect: () => readonly Sample[]) => {
    const sources = sampleSources.get(name) ?? [];
    sources.push(collect);
    sampleSources.set(name, sources);
    register({
      name,
      help,
      kind,
      render(out) {
        for (const source of sampleSources.get(name) ?? []) {
          for (const s of source()) out.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
        }
      },
    });
  };

  return {
    counter(name, help) {
      // Several components (one per pipeline) may ask for the same counter: they share its series.
      let values = counterValues.get(name);
      if (!values) {
        const series = new Map<string, { labels: Labels | undefined; value: number }>();
        values = series;
        counterValues.set(name, series);
        register({
          name,
          help,
          kind: 'counter',
          render(out) {
            for (const { labels, value } of series.values()) out.push(`${name}${labelText(labels)} ${formatValue(value)}`);
          },
        });
      }
      const series = values;
      return {
        add(value, labels) {
          const key = labelKey(labels);
          const entry = series.get(key);
          if (entry) entry.value += value;
          else {
            checkLabels(labels);
            series.set(key, { labels, value });
          }
        },
      };
    },
    counterFunc: (name, help, collect) => funcFamily(name, help, 'counter', collect),
    gaugeFunc: (name, help, collect) => funcFamily(name, help, 'gauge', collect),
    histogram(name, help, buckets) {
      const shared = histograms.get(name);
      if (shared) return shared;
      const series = new Map<string, { labels: Labels | undefined; counts: number[]; sum: number; count: number }>();
      register({
        name,
        help,
        kind: 'histogram',
        render(out) {
          for (const { labels, counts, sum, count } of series.values()) {
            let cumulative = 0;
            buckets.forEach((le, i) => {
              cumulative += counts[i];
              out.push(`${name}_bucket${labelText(labels, ['le', formatValue(le)])} ${cumulative}`);
            });
            out.push(`${name}_bucket${labelText(labels, ['le', '+Inf'])} ${count}`);
            out.push(`${name}_sum${labelText(labels)} ${formatValue(sum)}`);
            out.push(`${name}_count${labelText(labels)} ${count}`);
          }
        },
      });
      const histogram: Histogram = {
        observe(value, labels) {
          const key = labelKey(labels);
          let s = series.get(key);
          if (!s) {
            checkLabels(labels);
            s = { labels, counts: new Array<number>(buckets.length).fill(0), sum: 0, count: 0 };
            series.set(key, s);
          }
          const i = buckets.findIndex((le) => value <= le);
          if (i >= 0) s.counts[i]++;
          s.sum += value;
          s.count++;
        },
      };
      histograms.set(name, histogram);
      return histogram;
    },
    render() {
      const out: string[] = [];
      for (const family of families.values()) {
        out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
        out.push(`# TYPE ${family.name} ${family.kind}`);
        family.render(out);
      }
      return out.join('\n') + '\n';
    },
  };
}
