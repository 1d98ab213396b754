import { useQuery } from '@tanstack/react-query';
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent, WheelEvent as ReactWheelEvent } from 'react';
import { api } from '../../api/client.js';
import { serviceColor } from '../../model/colors.js';
import { LOOKBACKS, lookbackNanos } from '../../model/search-query.js';
import type { MapLayout } from '../../model/service-map-layout.js';
import { layoutServiceMap } from '../../model/service-map-layout.js';
import { href, setParams, useRoute } from '../../state/router.js';
import { ErrorBox, Loading } from '../common/common.js';

const NODE_W = 170;
const NODE_H = 46;

function edgePath(x1: number, y1: number, x2: number, y2: number, back: boolean): string {
  if (x1 === x2 && y1 === y2) {
    // A self-call: a loop above the node.
    return `M ${x1 - 20} ${y1 - NODE_H / 2} C ${x1 - 40} ${y1 - 90}, ${x1 + 40} ${y1 - 90}, ${x1 + 20} ${y1 - NODE_H / 2}`;
  }
  if (back) {
    const lift = 70 + Math.abs(x1 - x2) * 0.15;
    return `M ${x1} ${y1 + NODE_H / 2} C ${x1} ${y1 + lift}, ${x2} ${y2 + lift}, ${x2} ${y2 + NODE_H / 2}`;
  }
  const sx = x1 + NODE_W / 2;
  const ex = x2 - NODE_W / 2 - 4;
  const mid = (sx + ex) / 2;
  return `M ${sx} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${ex} ${y2}`;
}

function MapDrawing({ layout, selected, onSelect }: { layout: MapLayout; selected: string; onSelect: (name: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 1000, h: 600 });
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const measure = () => setSize({ w: el.clientWidth || 1000, h: el.clientHeight || 600 });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  // Drawing units are pixels at zoom 1; the drawing starts centred, shrunk to fit when it is larger.
  const drawingW = layout.width;
  const drawingH = layout.height;
  const fit = Math.min(1, size.w / drawingW, size.h / drawingH);
  const [view, setView] = useState<{ x: number; y: number; k: number } | null>(null);
  const v = view ?? { k: fit, x: (size.w / fit - drawingW) / 2, y: (size.h / fit - drawingH) / 2 };
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const pos = useMemo(() => new Map(layout.nodes.map((n) => [n.name, n])), [layout]);
  const maxCalls = Math.max(1, ...layout.edges.map((e) => e.callCount));
  const onWheel = (e: ReactWheelEvent) => {
    const k = Math.min(4, Math.max(0.2, v.k * (e.deltaY < 0 ? 1.1 : 1 / 1.1)));
    setView({ ...v, k });
  };
  const w = size.w / v.k;
  const h = size.h / v.k;
  return (
    <div ref={host} style={{ position: 'absolute', inset: 0 }}>
    <svg
      viewBox={`${-v.x} ${-v.y} ${w} ${h}`}
      data-testid="service-map"
      role="img"
      aria-label="Service map"
      onWheel={onWheel}
      onPointerDown={(e: ReactPointerEvent) => {
        drag.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y };
      }}
      onPointerMove={(e) => {
        if (!drag.current || e.buttons === 0) return;
        setView({ ...v, x: drag.current.vx + (e.clientX - drag.current.x) / v.k, y: drag.current.vy + (e.clientY - drag.current.y) / v.k });
      }}
      onPointerUp={() => (drag.current = null)}
    >
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--faint)" />
        </marker>
        <marker id="arrow-hi" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--accent)" />
        </marker>
      </defs>
      {layout.edges.map((e) => {
        const p = pos.get(e.parent)!;
        const c = pos.get(e.child)!;
        const hi = selected !== '' && (e.parent === selected || e.child === selected);
        const dim = selected !== '' && !hi;
        const d = edgePath(p.x, p.y, c.x, c.y, e.back);
        const lx = e.parent === e.child ? p.x : e.back ? (p.x + c.x) / 2 : (p.x + c.x) / 2;
        const ly = e.parent === e.child ? p.y - 78 : e.back ? Math.max(p.y, c.y) + NODE_H / 2 + 50 : (p.y + c.y) / 2 - 6;
        return (
          <g key={`${e.parent}>${e.child}`} className={`map-edge${hi ? ' hi' : ''}${dim ? ' dim' : ''}`} data-edge={`${e.parent}>${e.child}`} data-calls={e.callCount}>
            <path d={d} markerEnd={hi ? 'url(#arrow-hi)' : 'url(#arrow)'} style={{ strokeWidth: 1.2 + 2.8 * Math.sqrt(e.callCount / maxCalls) }} />
            <text x={lx} y={ly} textAnchor="middle">
              {e.callCount.toLocaleString()} {e.callCount === 1 ? 'call' : 'calls'}
            </text>
          </g>
        );
      })}
      {layout.nodes.map((n) => (
        <g
          key={n.name}
          className={`map-node${n.name === selected ? ' selected' : ''}`}
          data-service={n.name}
          transform={`translate(${n.x - NODE_W / 2}, ${n.y - NODE_H / 2})`}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(n.name === selected ? '' : n.name);
          }}
        >
          <rect width={NODE_W} height={NODE_H} rx={8} />
          <rect width={5} height={NODE_H} rx={2} style={{ fill: serviceColor(n.name), stroke: 'none' }} />
          <text x={14} y={19}>
            {n.name.length > 20 ? `${n.name.slice(0, 19)}…` : n.name}
            <title>{n.name}</title>
          </text>
          <text className="sub" x={14} y={35}>
            in {n.callsIn.toLocaleString()} · out {n.callsOut.toLocaleString()}
          </text>
        </g>
      ))}
    </svg>
    </div>
  );
}

/** Services as nodes, calls between them as edges, from /api/dependencies. */
export function ServiceMapPage() {
  const route = useRoute();
  const lookback = route.params.get('lookback') ?? '24h';
  const selected = route.params.get('service') ?? '';
  const nanos = lookbackNanos(lookback) ?? 86_400_000_000_000n;
  const deps = useQuery({ queryKey: ['dependencies', lookback], queryFn: () => api.dependencies({ lookbackNano: nanos }) });
  const layout = useMemo(() => (deps.data ? layoutServiceMap(deps.data, { margin: NODE_W / 2 + 30, layerGap: NODE_W + 110, nodeGap: NODE_H + 50 }) : undefined), [deps.data]);
  const links = (deps.data ?? []).filter((l) => l.parent === selected || l.child === selected);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
      <div className="toolbar">
        <b>Service map</b>
        <select aria-label="Time range" value={lookback} onChange={(e) => setParams({ lookback: e.target.value }, { replace: true })}>
          {LOOKBACKS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
        {deps.data && (
          <span className="muted" data-testid="map-summary">
            {layout?.nodes.length ?? 0} services · {deps.data.length} links · {deps.data.reduce((s, l) => s + l.callCount, 0).toLocaleString()} calls
          </span>
        )}
        <span style={{ flex: 1 }} />
        <span className="muted">Drag to pan, wheel to zoom, click a service for its calls.</span>
      </div>
      {deps.isPending && <Loading what="dependencies" />}
      {deps.isError && (
        <div className="page">
          <ErrorBox error={deps.error}>Could not load the service map: </ErrorBox>
        </div>
      )}
      {layout && layout.nodes.length === 0 && <div className="notice">No calls between services in this time range.</div>}
      {layout && layout.nodes.length > 0 && (
        <div className="map-wrap">
          <MapDrawing layout={layout} selected={selected} onSelect={(name) => setParams({ service: name }, { replace: true })} />
          {selected && (
            <div className="panel map-side" data-testid="map-side">
              <div style={{ fontWeight: 600, marginBottom: 6 }}>{selected}</div>
              <table className="grid">
                <tbody>
                  {links.map((l) => (
                    <tr key={`${l.parent}>${l.child}`}>
                      <td>{l.parent === selected ? `→ ${l.child}` : `← ${l.parent}`}</td>
                      <td className="num">{l.callCount.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="row" style={{ marginTop: 8 }}>
                <a className="btn small" href={href(['search'], { service: selected, lookback: lookback })}>
                  Search traces
                </a>
                <a className="btn small" href={href(['monitor'], { service: selected, lookback: lookback })}>
                  Monitor
                </a>
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
