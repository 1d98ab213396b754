import { TracelightError } from '@tracelight/core';
import type { JaegerDependencyLink, JaegerOperation, MetricFamily, TraceSummaryJson, TraceView } from '../../api-types.js';

/** The server answered something that is not what the API promises. */
export function fail(message: string, cause?: unknown): TracelightError {
  return new TracelightError('QUERY_CLIENT_BAD_RESPONSE', message, { cause });
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOf<T>(v: unknown, what: string, check: (item: unknown, i: number) => T): T[] {
  if (!Array.isArray(v)) throw fail(`${what}: expected an array`);
  return v.map(check);
}

function str(o: Obj, key: string, what: string): string {
  if (typeof o[key] !== 'string') throw fail(`${what}.${key}: expected a string`);
  return o[key] as string;
}

function count(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(`${what}.${key}: expected a count`);
  return v;
}

function digits(o: Obj, key: string, what: string): string {
  const v = str(o, key, what);
  if (!/^\d+$/.test(v)) throw fail(`${what}.${key}: expected a decimal integer`);
  return v;
}

export function checkStringArray(v: unknown, what: string): string[] {
  return arrayOf(v, what, (s, i) => {
    if (typeof s !== 'string') throw fail(`${what}[${i}]: expected a string`);
    return s;
  });
}

export function checkOperations(v: unknown): JaegerOperation[] {
  return arrayOf(v, 'operations', (o, i) => {
    if (!isObj(o)) throw fail(`operations[${i}]: expected an object`);
    return { name: str(o, 'name', `operations[${i}]`), spanKind: str(o, 'spanKind', `operations[${i}]`) };
  });
}

export function checkSummaries(v: unknown): TraceSummaryJson[] {
  return arrayOf(v, 'summaries', (o, i) => {
    const what = `summaries[${i}]`;
    if (!isObj(o)) throw fail(`${what}: expected an object`);
    return {
      traceId: str(o, 'traceId', what),
      rootServiceName: str(o, 'rootServiceName', what),
      rootSpanName: str(o, 'rootSpanName', what),
      startTimeUnixNano: digits(o, 'startTimeUnixNano', what),
      endTimeUnixNano: digits(o, 'endTimeUnixNano', what),
      durationNano: digits(o, 'durationNano', what),
      spanCount: count(o, 'spanCount', what),
      errorCount: count(o, 'errorCount', what),
      services: arrayOf(o.services, `${what}.services`, (s, k) => {
        if (!isObj(s)) throw fail(`${what}.services[${k}]: expected an object`);
        const w = `${what}.services[${k}]`;
        return { serviceName: str(s, 'serviceName', w), spanCount: count(s, 'spanCount', w), errorCount: count(s, 'errorCount', w) };
      }),
    };
  });
}

export function checkTraceViews(v: unknown): TraceView[] {
  return arrayOf(v, 'traces', (o, i) => {
    if (!isObj(o)) throw fail(`traces[${i}]: expected an object`);
    if (!Array.isArray(o.resourceSpans)) throw fail(`traces[${i}].resourceSpans: expected an array`);
    return { traceId: str(o, 'traceId', `traces[${i}]`), resourceSpans: o.resourceSpans };
  });
}

export function checkDependencies(v: unknown): JaegerDependencyLink[] {
  return arrayOf(v, 'dependencies', (o, i) => {
    if (!isObj(o)) throw fail(`dependencies[${i}]: expected an object`);
    const what = `dependencies[${i}]`;
    return { parent: str(o, 'parent', what), child: str(o, 'child', what), callCount: count(o, 'callCount', what) };
  });
}

export function checkMetricFamily(v: unknown): MetricFamily {
  if (!isObj(v)) throw fail('metrics: expected an object');
  return {
    name: str(v, 'name', 'metrics'),
    type: 'GAUGE',
    help: str(v, 'help', 'metrics'),
    metrics: arrayOf(v.metrics, 'metrics.metrics', (m, i) => {
      if (!isObj(m)) throw fail(`metrics.metrics[${i}]: expected an object`);
      return {
        labels: arrayOf(m.labels, `metrics.metrics[${i}].labels`, (l, k) => {
          if (!isObj(l)) throw fail(`metrics.metrics[${i}].labels[${k}]: expected an object`);
          return { name: str(l, 'name', 'label'), value: str(l, 'value', 'label') };
        }),
        metricPoints: arrayOf(m.metricPoints, `metrics.metrics[${i}].metricPoints`, (p, k) => {
          const what = `metrics.metrics[${i}].metricPoints[${k}]`;
          if (!isObj(p) || !isObj(p.gaugeValue) || typeof p.gaugeValue.doubleValue !== 'number') throw fail(`${what}: expected {gaugeValue: {doubleValue}}`);
          return { gaugeValue: { doubleValue: p.gaugeValue.doubleValue }, timestamp: str(p, 'timestamp', what) };
        }),
      };
    }),
  };
}
