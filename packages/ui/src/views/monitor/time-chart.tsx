import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { Series } from '../../model/metrics.js';
import { alignSeries } from '../../model/metrics.js';
import { useUi } from '../../state/ui-store.js';
import { useWidth } from '../common/use-width.js';

export interface ChartLine extends Series {
  readonly color: string;
}

/** A time-series chart (uPlot: canvas, small and fast). Recreated when the theme or the lines change. */
export function TimeChart({
  lines,
  format,
  height = 180,
  testId,
  xRange,
}: {
  lines: readonly ChartLine[];
  format: (v: number) => string;
  height?: number;
  testId?: string;
  /** Epoch seconds shown on the x axis (so charts side by side line up); default: the data's. */
  xRange?: readonly [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  const width = useWidth(host, 400);
  const theme = useUi((s) => s.theme);
  const chart = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: xRange ? { time: true, range: () => [xRange[0], xRange[1]] } : { time: true } },
      axes: [axis, { ...axis, size: 64, values: (_u, vals) => vals.map((v) => (v == null ? '' : format(v))) }],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.color,
          width: 1.6,
          spanGaps: false,
          points: { show: l.points.length < 40, size: 4 },
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
        })),
      ],
    };
    const u = new uPlot(opts, alignSeries(lines) as uPlot.AlignedData, el);
    chart.current = u;
    return () => {
      u.destroy();
      chart.current = null;
    };
    // Width changes resize the chart instead of rebuilding it (below), so width is left out here.
  }, [lines, theme, height, format, xRange]);
  useEffect(() => {
    chart.current?.setSize({ width, height });
  }, [width, height]);
  return <div ref={host} className="chart-host" data-testid={testId} data-points={lines.reduce((s, l) => s + l.points.length, 0)} />;
}
