import { useState } from 'react';
import { formatDuration, formatPercent } from '../../model/format.js';
import type { StatRow } from '../../model/trace-stats.js';
import type { TraceModel } from '../../model/trace-model.js';
import { ServiceChip } from '../common/common.js';

type Key = 'name' | 'count' | 'errors' | 'totalNano' | 'selfNano' | 'avg' | 'maxNano' | 'criticalNano';

const COLUMNS: { key: Key; label: string; title: string }[] = [
  { key: 'count', label: 'Spans', title: 'How many spans' },
  { key: 'errors', label: 'Errors', title: 'Spans with status error' },
  { key: 'totalNano', label: 'Total', title: 'Sum of the spans’ durations' },
  { key: 'avg', label: 'Avg', title: 'Mean duration' },
  { key: 'maxNano', label: 'Max', title: 'Longest span' },
  { key: 'selfNano', label: 'Self time', title: 'Time not spent in child spans' },
  { key: 'criticalNano', label: 'Critical path', title: 'Time on the critical path, and its share of it' },
];

function value(r: StatRow, key: Key): number | string {
  if (key === 'name') return `${r.service}\u0000${r.operation ?? ''}`;
  if (key === 'avg') return r.totalNano / r.count;
  return r[key];
}

function StatTable({ title, rows, byOperation, traceNano, testId }: { title: string; rows: readonly StatRow[]; byOperation: boolean; traceNano: number; testId: string }) {
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'criticalNano', desc: true });
  const sorted = [...rows].sort((a, b) => {
    const x = value(a, sort.key);
    const y = value(b, sort.key);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return sort.desc ? -c : c;
  });
  const head = (key: Key, label: string, titleText: string, num = true) => (
    <th
      key={key}
      className={`sortable${num ? ' num' : ''}`}
      title={titleText}
      aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
      onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== 'name' })}
    >
      {label}
      {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
    </th>
  );
  return (
    <div className="panel" style={{ marginBottom: 16 }}>
      <div className="panel-title">{title}</div>
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            {head('name', byOperation ? 'Service / operation' : 'Service', 'Name', false)}
            {COLUMNS.map((c) => head(c.key, c.label, c.title))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={`${r.service}\u0000${r.operation ?? ''}`}>
              <td style={{ maxWidth: 420 }}>
                <ServiceChip name={r.service} />
                {byOperation && <span style={{ marginLeft: 8 }}>{r.operation}</span>}
              </td>
              <td className="num">{r.count}</td>
              <td className="num">{r.errors > 0 ? <span className="error-text">{r.errors}</span> : 0}</td>
              <td className="num">{formatDuration(r.totalNano)}</td>
              <td className="num">{formatDuration(r.totalNano / r.count)}</td>
              <td className="num">{formatDuration(r.maxNano)}</td>
              <td className="num" title={traceNano > 0 ? `${formatPercent(r.selfNano / traceNano)} of the trace's duration` : undefined}>
                {formatDuration(r.selfNano)}
              </td>
              <td className="num nowrap" data-share={r.criticalShare.toFixed(4)}>
                <span className="share-bar" style={{ width: Math.round(r.criticalShare * 80) }} />
                {formatDuration(r.criticalNano)} <span className="muted">({formatPercent(r.criticalShare)})</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Where did the time go": per service and per operation, sortable. */
export function StatsView({ model }: { model: TraceModel }) {
  return (
    <div className="page">
      <p className="muted" style={{ marginTop: 0 }}>
        Self time is time a span spent outside its children; the critical path is the chain of work that decided when the trace ended ({formatDuration(model.criticalPath.totalNano)} in{' '}
        {model.criticalPath.rows.length} segments).
      </p>
      <StatTable title="By service" rows={model.statistics.services} byOperation={false} traceNano={model.durationNano} testId="stats-services" />
      <StatTable title="By operation" rows={model.statistics.operations} byOperation traceNano={model.durationNano} testId="stats-operations" />
    </div>
  );
}
