import { useEffect, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { serviceColor } from '../../model/colors.js';
import type { TraceModel } from '../../model/trace-model.js';
import { useUi } from '../../state/ui-store.js';
import { useWidth } from '../common/use-width.js';

const HEIGHT = 56;

/**
 * The whole trace in miniature (every span a line, rows top to bottom, time left to right) with
 * the zoomed window on top: drag across it to zoom, drag the window to pan, double-click to see
 * everything again.
 */
export function Minimap({ model, zoom, onZoom }: { model: TraceModel; zoom: readonly [number, number]; onZoom: (z: [number, number]) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useWidth(host);
  const theme = useUi((s) => s.theme);
  const [drag, setDrag] = useState<{ kind: 'new' | 'pan'; from: number; at: number; zoom: readonly [number, number] } | null>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // Drawn once the timeline is on screen and idle: it does not hold up a big trace's first paint.
    const draw = () => {
      const dpr = window.devicePixelRatio || 1;
      c.width = Math.max(1, Math.floor(width * dpr));
      c.height = Math.floor(HEIGHT * dpr);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.clearRect(0, 0, c.width, c.height);
      const n = model.spanCount;
      const total = model.durationNano || 1;
      const rowH = Math.max(1, c.height / Math.max(1, n));
      const colors = model.services.map(serviceColor);
      let last = -1;
      for (let r = 0; r < n; r++) {
        const key = model.status[r] === 2 ? -2 : model.service[r];
        if (key !== last) {
          ctx.fillStyle = key === -2 ? '#e03131' : colors[key];
          last = key;
        }
        const x = (model.start[r] / total) * c.width;
        const w = Math.max(1, (model.duration[r] / total) * c.width);
        ctx.fillRect(x, (r / n) * c.height, w, rowH);
      }
    };
    if (typeof requestIdleCallback === 'function') {
      const handle = requestIdleCallback(draw, { timeout: 500 });
      return () => cancelIdleCallback(handle);
    }
    const handle = setTimeout(draw, 50);
    return () => clearTimeout(handle);
  }, [model, width, theme]);

  const frac = (e: { clientX: number }) => {
    const rect = host.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
  };
  const down = (e: ReactPointerEvent, kind: 'new' | 'pan') => {
    e.stopPropagation();
    e.preventDefault();
    (e.target as Element).setPointerCapture(e.pointerId);
    const f = frac(e);
    setDrag({ kind, from: f, at: f, zoom });
  };
  const move = (e: ReactPointerEvent) => {
    if (!drag) return;
    const f = frac(e);
    setDrag({ ...drag, at: f });
    if (drag.kind === 'pan') {
      const w = drag.zoom[1] - drag.zoom[0];
      const z0 = Math.min(1 - w, Math.max(0, drag.zoom[0] + f - drag.from));
      onZoom([z0, z0 + w]);
    }
  };
  const up = () => {
    if (!drag) return;
    if (drag.kind === 'new') {
      const a = Math.min(drag.from, drag.at);
      const b = Math.max(drag.from, drag.at);
      if (b - a > 0.004) onZoom([a, b]);
      else {
        // A click: centre the current window there.
        const w = zoom[1] - zoom[0];
        const z0 = Math.min(1 - w, Math.max(0, drag.at - w / 2));
        onZoom([z0, z0 + w]);
      }
    }
    setDrag(null);
  };
  const sel = drag?.kind === 'new' ? [Math.min(drag.from, drag.at), Math.max(drag.from, drag.at)] : null;
  return (
    <div
      ref={host}
      className="minimap"
      data-testid="minimap"
      onPointerDown={(e) => down(e, 'new')}
      onPointerMove={move}
      onPointerUp={up}
      onDoubleClick={() => onZoom([0, 1])}
      title="Drag to zoom, drag the window to pan, double-click to reset"
    >
      <canvas ref={canvas} />
      <div className="shade" style={{ left: 0, width: `${zoom[0] * 100}%` }} />
      <div className="shade" style={{ left: `${zoom[1] * 100}%`, right: 0 }} />
      {!(zoom[0] === 0 && zoom[1] === 1) && (
        <div className="window" style={{ left: `${zoom[0] * 100}%`, width: `${(zoom[1] - zoom[0]) * 100}%` }} onPointerDown={(e) => down(e, 'pan')} />
      )}
      {sel && <div className="window" style={{ left: `${sel[0] * 100}%`, width: `${(sel[1] - sel[0]) * 100}%`, background: 'var(--accent-soft)', opacity: 0.6 }} />}
    </div>
  );
}
