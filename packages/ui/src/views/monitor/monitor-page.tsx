import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api } from '../../api/client.js';
import type { MetricFamily } from '../../api/types.js';
import { formatDuration, formatPercent } from '../../model/format.js';
import { mean, seriesByKey, stepFor, weightedMean } from '../../model/metrics.js';
import { LOOKBACKS } from '../../model/search-query.js';
import { href, setParams, useRoute } from '../../state/router.js';
import { ErrorBox, Loading, ServiceChip } from '../common/common.js';
import type { ChartLine } from './time-chart.js';
import { TimeChart } from './time-chart.js';

const RANGES = LOOKBACKS.filter((l) => ['15m', '1h', '6h', '24h', '2d', '7d'].includes(l.value));
const KINDS = ['server', 'client', 'consumer', 'producer', 'internal'];
const QUANTILES = [
  { q: 0.5, label: 'p50', color: '#59a14f' },
  { q: 0.95, label: 'p95', color: '#f28e2b' },
  { q: 0.99, label: 'p99', color: '#e15759' },
] as const;

const fmtRate = (v: number) => (v > 0 && v < 0.001 ? '<0.001' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, ''));
const fmtMs = (v: number) => (v === 0 ? '0' : formatDuration(v * 1e6));
const fmtPct = (v: number) => formatPercent(v);

type Metrics = { calls: MetricFamily; errors: MetricFamily; lat: MetricFamily[] };

function useMetrics(service: string, kind: string, lookback: bigint, grouped: boolean) {
  const q = { services: [service], spanKinds: [kind], lookbackNano: lookback, stepNano: stepFor(lookback), groupByOperation: grouped };
  const results = useQueries({
    queries: [
      { queryKey: ['metrics', 'calls', service, kind, String(lookback), grouped], queryFn: () => api.metrics('calls', { ...q, ratePerNano: q.stepNano }), enabled: service !== '' },
      { queryKey: ['metrics', 'errors', service, kind, String(lookback), grouped], queryFn: () => api.metrics('errors', { ...q, ratePerNano: q.stepNano }), enabled: service !== '' },
      ...QUANTILES.map((x) => ({
        queryKey: ['metrics', 'lat', x.q, service, kind, String(lookback), grouped],
        queryFn: () => api.metrics('latencies', { ...q, quantile: x.q }),
        enabled: service !== '',
      })),
    ],
  });
  const error = results.find((r) => r.isError)?.error;
  const pending = results.some((r) => r.isPending);
  const data: Metrics | undefined = results.every((r) => r.data) ? { calls: results[0].data!, errors: results[1].data!, lat: results.slice(2).map((r) => r.data!) } : undefined;
  return { data, error, pending };
}

function Charts({ metrics, seriesKey, title }: { metrics: Metrics; seriesKey: string; title: string }) {
  const lines = useMemo(() => {
    const calls = seriesByKey(metrics.calls).get(seriesKey) ?? [];
    const errors = seriesByKey(metrics.errors).get(seriesKey) ?? [];
    const lat = metrics.lat.map((f) => seriesByKey(f).get(seriesKey) ?? []);
    const times = [calls, errors, ...lat].flatMap((points) => points.map((p) => p[0]));
    const xRange: [number, number] | undefined = times.length > 0 ? [Math.min(...times), Math.max(...times)] : undefined;
    return {
      xRange,
      rate: [{ label: 'requests/s', color: '#4e79a7', points: calls }] as ChartLine[],
      errors: [{ label: 'error rate', color: '#e15759', points: errors }] as ChartLine[],
      latency: QUANTILES.map((x, i) => ({ label: x.label, color: x.color, points: lat[i] })) as ChartLine[],
    };
  }, [metrics, seriesKey]);
  return (
    <>
      <h2 style={{ fontSize: 15, margin: '4px 0 10px' }} data-testid="monitor-title">
        {title}
      </h2>
      <div className="charts">
        <div className="panel chart-box">
          <h3>Request rate</h3>
          <TimeChart lines={lines.rate} format={fmtRate} testId="chart-rate" xRange={lines.xRange} />
        </div>
        <div className="panel chart-box">
          <h3>Error rate</h3>
          <TimeChart lines={lines.errors} format={fmtPct} testId="chart-errors" xRange={lines.xRange} />
        </div>
        <div className="panel chart-box">
          <h3>Latency</h3>
          <TimeChart lines={lines.latency} format={fmtMs} testId="chart-latency" xRange={lines.xRange} />
        </div>
      </div>
    </>
  );
}

function OperationTable({ metrics, service, selected, lookback }: { metrics: Metrics; service: string; selected: string; lookback: string }) {
  const calls = seriesByKey(metrics.calls);
  const errors = seriesByKey(metrics.errors);
  const lat = metrics.lat.map((f) => seriesByKey(f));
  const ops = [...calls.keys()].filter((k) => k.startsWith(`${service}\u0000`)).map((k) => k.slice(service.length + 1));
  ops.sort();
  return (
    <div className="panel" style={{ marginTop: 16 }}>
      <div className="panel-title">Operations ({ops.length})</div>
      <table className="grid" data-testid="monitor-operations">
        <thead>
          <tr>
            <th>Operation</th>
            <th className="num">Avg req/s</th>
            <th className="num">Error rate</th>
            <th className="num">Avg p50</th>
            <th className="num">Avg p95</th>
            <th className="num">Avg p99</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {ops.map((op) => {
            const key = `${service}\u0000${op}`;
            const rate = mean(calls.get(key));
            const err = weightedMean(errors.get(key), calls.get(key));
            return (
              <tr key={op} data-operation={op} style={selected === op ? { background: 'var(--selected)' } : undefined}>
                <td>
                  <a href={href(['monitor'], { service, operation: selected === op ? undefined : op, lookback })}>{op}</a>
                </td>
                <td className="num">{rate === undefined ? '–' : fmtRate(rate)}</td>
                <td className="num">{err === undefined ? '–' : <span className={err > 0 ? 'error-text' : undefined}>{fmtPct(err)}</span>}</td>
                {lat.map((m, i) => {
                  const v = mean(m.get(key));
                  return (
                    <td key={i} className="num">
                      {v === undefined ? '–' : fmtMs(v)}
                    </td>
                  );
                })}
                <td>
                  <a className="btn small" href={href(['search'], { service, operation: op, lookback })}>
                    Traces
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Per service and per operation: request rate, error rate and latency quantiles over a time range. */
export function MonitorPage() {
  const route = useRoute();
  const services = useQuery({ queryKey: ['services'], queryFn: () => api.services() });
  const service = route.params.get('service') ?? services.data?.[0] ?? '';
  const operation = route.params.get('operation') ?? '';
  const lookback = route.params.get('lookback') ?? '1h';
  const kind = route.params.get('kind') ?? 'server';
  const nanos = RANGES.find((r) => r.value === lookback)?.nanos ?? 3_600_000_000_000n;
  const overall = useMetrics(service, kind, nanos, false);
  const perOp = useMetrics(service, kind, nanos, true);
  return (
    <div className="page">
      <div className="row" style={{ marginBottom: 12, flexWrap: 'wrap' }}>
        <label className="row">
          Service
          <select aria-label="Service" value={service} onChange={(e) => setParams({ service: e.target.value, operation: undefined }, { replace: true })}>
            {(services.data ?? []).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="row">
          Span kind
          <select aria-label="Span kind" value={kind} onChange={(e) => setParams({ kind: e.target.value === 'server' ? undefined : e.target.value }, { replace: true })}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="row">
          Time range
          <select aria-label="Time range" value={lookback} onChange={(e) => setParams({ lookback: e.target.value }, { replace: true })}>
            {RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {service && <ServiceChip name={service} />}
        {operation && (
          <span className="chip">
            {operation}{' '}
            <a href={href(['monitor'], { service, lookback })} aria-label="Show the whole service">
              ✕
            </a>
          </span>
        )}
      </div>
      {services.data && services.data.length === 0 && <div className="notice">No services yet: send some traces.</div>}
      {(overall.error || perOp.error) && <ErrorBox error={overall.error ?? perOp.error}>Could not load metrics: </ErrorBox>}
      {service && (overall.pending || perOp.pending) && !(overall.error || perOp.error) && <Loading what="metrics" />}
      {overall.data && perOp.data && (
        <>
          {operation ? (
            <Charts metrics={perOp.data} seriesKey={`${service}\u0000${operation}`} title={`${service}: ${operation}`} />
          ) : (
            <Charts metrics={overall.data} seriesKey={service} title={`${service} (all ${kind} operations)`} />
          )}
          <OperationTable metrics={perOp.data} service={service} selected={operation} lookback={lookback} />
        </>
      )}
    </div>
  );
}
