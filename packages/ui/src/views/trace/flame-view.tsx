import { useEffect, useMemo, useRef, useState } from 'react';
import { serviceColor } from '../../model/colors.js';
import { buildFlameGraph } from '../../model/flame.js';
import { formatDuration, formatPercent } from '../../model/format.js';
import type { TraceModel } from '../../model/trace-model.js';
import { useUi } from '../../state/ui-store.js';
import { useWidth } from '../common/use-width.js';

const BOX = 20;

/**
 * The flame graph (spans merged by call path; width = self time at and below a path), drawn on a
 * canvas so tens of thousands of boxes stay cheap. Click a box to zoom into it, hover for facts.
 */
export function FlameView({ model, onOpenSpan }: { model: TraceModel; onOpenSpan: (row: number) => void }) {
  const graph = useMemo(() => buildFlameGraph(model), [model]);
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useWidth(host);
  const theme = useUi((s) => s.theme);
  const [focus, setFocus] = useState(-1);
  const [hover, setHover] = useState(-1);
  const fx0 = focus >= 0 ? graph.nodes[focus].x : 0;
  const fw = focus >= 0 ? graph.nodes[focus].width : 1;
  const baseDepth = focus >= 0 ? graph.nodes[focus].depth : 0;
  const height = (graph.maxDepth + 1 - baseDepth) * BOX + 4;

  const inFocus = (i: number): boolean => {
    if (focus < 0) return true;
    const n = graph.nodes[i];
    // Ancestors of the focus are drawn full width; descendants lie inside its range.
    if (n.depth < baseDepth) return false;
    return n.x >= fx0 - 1e-12 && n.x + n.width <= fx0 + fw + 1e-12;
  };

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.floor(width * dpr);
    c.height = Math.floor(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, width, height);
    const textColor = theme === 'dark' ? '#0b0d10' : '#ffffff';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < graph.nodes.length; i++) {
      if (!inFocus(i)) continue;
      const n = graph.nodes[i];
      const x = ((n.x - fx0) / fw) * width;
      const w = (n.width / fw) * width;
      if (w < 0.5) continue;
      const y = (n.depth - baseDepth) * BOX;
      ctx.fillStyle = serviceColor(model.services[n.service]);
      ctx.globalAlpha = i === hover ? 1 : 0.85;
      ctx.fillRect(x, y, Math.max(0.5, w - 1), BOX - 1);
      if (w > 30) {
        ctx.globalAlpha = 1;
        ctx.fillStyle = textColor;
        const label = `${model.names[n.name]}`;
        const max = Math.floor((w - 8) / 6.5);
        ctx.fillText(label.length > max ? `${label.slice(0, Math.max(0, max - 1))}…` : label, x + 4, y + BOX / 2);
      }
    }
    ctx.globalAlpha = 1;
  }, [graph, model, width, height, focus, hover, theme, fx0, fw, baseDepth]);

  const hit = (e: { clientX: number; clientY: number }): number => {
    const rect = canvas.current!.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const depth = Math.floor((e.clientY - rect.top) / BOX) + baseDepth;
    const x = fx0 + (px / width) * fw;
    for (let i = 0; i < graph.nodes.length; i++) {
      const n = graph.nodes[i];
      if (n.depth === depth && x >= n.x && x < n.x + n.width && inFocus(i)) return i;
    }
    return -1;
  };
  const shown = hover >= 0 ? hover : focus;
  const node = shown >= 0 ? graph.nodes[shown] : undefined;
  return (
    <div className="trace-main">
      <div className="flame-info" data-testid="flame-info">
        {node ? (
          <>
            <b>{model.services[node.service]}</b>
            <span>{model.names[node.name]}</span>
            <span className="muted">
              {node.count} span{node.count === 1 ? '' : 's'} · total {formatDuration(node.totalNano)} · self {formatDuration(node.selfNano)} · {formatPercent(node.valueNano / (graph.totalNano || 1))} of the
              graph
            </span>
            <button type="button" className="btn small" onClick={() => onOpenSpan(node.firstRow)}>
              Show in timeline
            </button>
          </>
        ) : (
          <span className="muted">Spans merged by call path; a box is as wide as the self time spent in it and below. Click to zoom in.</span>
        )}
        <span style={{ flex: 1 }} />
        {focus >= 0 && (
          <button type="button" className="btn small" onClick={() => setFocus(-1)}>
            Reset zoom
          </button>
        )}
      </div>
      <div className="flame" ref={host}>
        <canvas
          ref={canvas}
          data-testid="flame-canvas"
          data-nodes={graph.nodes.length}
          onMouseMove={(e) => setHover(hit(e))}
          onMouseLeave={() => setHover(-1)}
          onClick={(e) => {
            const i = hit(e);
            if (i >= 0) setFocus(i === focus ? graph.nodes[i].parent : i);
          }}
          role="img"
          aria-label="Flame graph of the trace"
        />
      </div>
    </div>
  );
}
