import type { TraceSummary } from '../../api/types.js';
import { useRef } from 'react';
import { formatDuration, formatTimestamp, niceTicks } from '../../model/format.js';
import { navigate, traceHref } from '../../state/router.js';
import { useWidth } from '../common/use-width.js';

const HEIGHT = 180;
const PAD = { left: 64, right: 16, top: 12, bottom: 26 };

function clock(ms: number, withSeconds: boolean): string {
  const d = new Date(ms);
  const p = (v: number) => String(v).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}${withSeconds ? `:${p(d.getSeconds())}` : ''}`;
}

/**
 * Duration over start time, one dot per trace (red when it has errors). A dot is a link: click
 * it, or focus it and press Enter, to open the trace. SVG rather than a canvas chart so every
 * dot is an element people can tab to and tests can click.
 */
export function ScatterPlot({ traces }: { traces: readonly TraceSummary[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  if (traces.length === 0) return <div ref={ref} className="notice">No traces match.</div>;
  const starts = traces.map((t) => Number(t.startTimeUnixNano / 1_000_000n));
  const durations = traces.map((t) => Number(t.durationNano));
  let x0 = Math.min(...starts);
  let x1 = Math.max(...starts);
  if (x1 - x0 < 1000) {
    x0 -= 500;
    x1 += 500;
  }
  const pad = (x1 - x0) * 0.03;
  x0 -= pad;
  x1 += pad;
  const yMax = Math.max(...durations) * 1.1 || 1;
  const plotW = Math.max(100, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (ms: number) => PAD.left + ((ms - x0) / (x1 - x0)) * plotW;
  const sy = (ns: number) => PAD.top + plotH - (ns / yMax) * plotH;
  const yTicks = niceTicks(yMax, 4);
  const xStep = niceTicks(x1 - x0, Math.max(2, Math.floor(plotW / 110)));
  const step = xStep[1] ?? x1 - x0;
  const xTicks: number[] = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) xTicks.push(t);
  const withSeconds = step < 60_000;
  const open = (t: TraceSummary) => {
    const link = traceHref(t.traceId);
    if (link) navigate(link);
  };
  return (
    <div ref={ref} data-testid="scatter">
      <svg height={HEIGHT} width={width} role="img" aria-label="Trace durations over time">
        <g className="axis">
          {yTicks.map((t) => (
            <g key={t}>
              <line className="gridline" x1={PAD.left} x2={PAD.left + plotW} y1={sy(t)} y2={sy(t)} />
              <text x={PAD.left - 6} y={sy(t) + 4} textAnchor="end">
                {formatDuration(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <text key={t} x={sx(t)} y={HEIGHT - 8} textAnchor="middle">
              {clock(t, withSeconds)}
            </text>
          ))}
        </g>
        {traces.map((t, i) => (
          <circle
            key={t.traceId}
            className={t.errorCount > 0 ? 'dot err' : 'dot'}
            data-trace-id={t.traceId}
            cx={sx(starts[i])}
            cy={sy(durations[i])}
            r={Math.min(9, 3.5 + Math.log10(1 + t.spanCount))}
            role="link"
            tabIndex={0}
            aria-label={`${t.rootServiceName}: ${t.rootSpanName}, ${formatDuration(durations[i])}`}
            onClick={() => open(t)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') open(t);
            }}
          >
            <title>{`${t.rootServiceName}: ${t.rootSpanName}\n${formatDuration(durations[i])}, ${t.spanCount} spans${t.errorCount ? `, ${t.errorCount} errors` : ''}\n${formatTimestamp(t.startTimeUnixNano)}`}</title>
          </circle>
        ))}
      </svg>
    </div>
  );
}
