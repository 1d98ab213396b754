import type { TraceSummary } from '../../api/types.js';
import { formatAgo, formatDuration, formatTimestamp } from '../../model/format.js';
import { traceHref } from '../../state/router.js';
import { useUi } from '../../state/ui-store.js';
import { ErrorCount, ServiceChip } from '../common/common.js';

/** "14:03:21" today, "2024-05-01 14:03" on other days. */
function shortTime(unixNano: bigint, nowMs: number): string {
  const full = formatTimestamp(unixNano);
  const today = formatTimestamp(BigInt(nowMs) * 1_000_000n).slice(0, 10);
  return full.startsWith(today) ? full.slice(11, 19) : full.slice(0, 16);
}

/** The search results, in the order the server sorted them (`sort` is only for the header text). */
export function ResultList({ traces, sort }: { traces: readonly TraceSummary[]; sort: string }) {
  const picked = useUi((s) => s.picked);
  const toggle = useUi((s) => s.togglePicked);
  const longest = Math.max(1, ...traces.map((t) => Number(t.durationNano)));
  const now = Date.now();
  if (traces.length === 0) return <div className="notice">No traces in this range. Widen the time range or loosen the query.</div>;
  return (
    <ul className="trace-list" data-testid="trace-list" data-sort={sort}>
      {traces.map((t) => {
        const link = traceHref(t.traceId);
        const d = Number(t.durationNano);
        return (
          <li key={t.traceId} className="trace-item" data-trace-id={t.traceId}>
            <input type="checkbox" aria-label={`Pick ${t.traceId} for comparison`} checked={picked.includes(t.traceId)} onChange={() => toggle(t.traceId)} />
            <div style={{ minWidth: 0 }}>
              <div className="title">
                <a href={link} className="trace-link">
                  {t.rootServiceName || '(unknown service)'}: {t.rootSpanName || '(missing root span)'}
                </a>
                <span className="mono muted">{t.traceId.slice(0, 8)}</span>
              </div>
              <div className="meta">
                <span className="muted">{t.spanCount} span{t.spanCount === 1 ? "" : "s"}</span>
                <ErrorCount count={t.errorCount} />
                {t.services.slice(0, 8).map((s) => (
                  <ServiceChip key={s.serviceName} name={s.serviceName} count={s.spanCount} errors={s.errorCount} />
                ))}
                {t.services.length > 8 && <span className="muted">+{t.services.length - 8} more</span>}
              </div>
            </div>
            <div className="right">
              <div style={{ fontWeight: 600 }} className="duration">
                {formatDuration(d)}
              </div>
              <div className="duration-bar" style={{ width: `${Math.max(2, (d / longest) * 100)}%`, background: t.errorCount ? 'var(--error)' : undefined }} />
              <div className="muted nowrap" title={formatTimestamp(t.startTimeUnixNano)}>
                {shortTime(t.startTimeUnixNano, now)} · {formatAgo(t.startTimeUnixNano, now)}
              </div>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
