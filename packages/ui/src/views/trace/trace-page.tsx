import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client.js';
import { traceSource } from '../../api/trace-source.js';
import { formatDuration, formatTimestamp } from '../../model/format.js';
import type { TraceModel } from '../../model/trace-model.js';
import { mainRoot } from '../../model/trace-model.js';
import { href, navigate, safeTraceId, setParams, useRoute } from '../../state/router.js';
import { CopyButton, ErrorBox, Loading, ServiceChip } from '../common/common.js';
import { FlameView } from './flame-view.js';
import { Minimap } from './minimap.js';
import { SpanDetail } from './span-detail.js';
import { StatsView } from './stats-view.js';
import type { TimelineProps } from './timeline.js';
import { Timeline } from './timeline.js';
import { traceKeyOf } from './trace-key.js';
import { useTraceModel } from './use-trace.js';

const VIEWS = [
  { value: 'timeline', label: 'Timeline' },
  { value: 'stats', label: 'Statistics' },
  { value: 'flame', label: 'Flame graph' },
] as const;

function parseZoom(text: string | null): [number, number] {
  const m = /^([\d.]+)-([\d.]+)$/.exec(text ?? '');
  if (!m) return [0, 1];
  const a = Math.max(0, Math.min(1, Number(m[1])));
  const b = Math.max(0, Math.min(1, Number(m[2])));
  return b - a > 1e-6 ? [a, b] : [0, 1];
}

function Header({ model, traceKey, upload }: { model: TraceModel; traceKey: string; upload: string | null }) {
  const root = mainRoot(model);
  const route = useRoute();
  const current = route.params.get('view') ?? 'timeline';
  const [compareWith, setCompareWith] = useState('');
  const servicesInTrace = useMemo(() => {
    const counts = new Array<number>(model.services.length).fill(0);
    for (let r = 0; r < model.spanCount; r++) counts[model.service[r]]++;
    return model.services.map((name, i) => ({ name, count: counts[i] }));
  }, [model]);
  const other = safeTraceId(compareWith.trim());
  return (
    <div className="trace-header">
      <div className="row" style={{ justifyContent: 'space-between', gap: 16 }}>
        <h1 data-testid="trace-title">
          {root >= 0 ? (
            <>
              <ServiceChip name={model.services[model.service[root]]} />
              <span className="name">{model.names[model.name[root]]}</span>
            </>
          ) : (
            'Empty trace'
          )}
          <span className="mono muted" style={{ fontSize: 12, fontWeight: 400 }}>
            {model.traceId}
          </span>
          <CopyButton text={model.traceId} label="Copy id" />
        </h1>
        <div className="row">
          {upload ? (
            <span className="chip" title="Shown from an uploaded file; not stored, so this link only works in this tab">
              uploaded file
            </span>
          ) : (
            <a className="btn small" href={api.downloadUrl(model.traceId)} download={`trace-${model.traceId}.json`}>
              Download JSON
            </a>
          )}
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (other) navigate(href(['compare', model.traceId, other]));
            }}
          >
            <input type="text" className="mono" placeholder="Compare with trace id…" aria-label="Compare with trace id" value={compareWith} onChange={(e) => setCompareWith(e.target.value)} style={{ width: 230 }} />
            <button type="submit" className="btn small" disabled={!other}>
              Compare
            </button>
          </form>
        </div>
      </div>
      <div className="facts" data-testid="trace-facts">
        <span>
          Start<b>{formatTimestamp(model.startUnixNano)}</b>
        </span>
        <span>
          Duration<b data-testid="trace-duration">{formatDuration(model.durationNano)}</b>
        </span>
        <span>
          Services<b data-testid="trace-services">{model.services.length}</b>
        </span>
        <span>
          Depth<b data-testid="trace-depth">{model.maxDepth + 1}</b>
        </span>
        <span>
          Spans<b data-testid="trace-span-count">{model.spanCount}</b>
        </span>
        <span>
          Errors<b data-testid="trace-error-count">{model.errorCount}</b>
        </span>
        {model.orphanCount > 0 && <span className="error-text">{model.orphanCount} span(s) with a missing parent</span>}
        {model.warningCount > 0 && <span style={{ color: 'var(--warn)' }}>{model.warningCount} clock-skew warning(s)</span>}
      </div>
      <div className="row" style={{ gap: 6, marginBottom: 8, flexWrap: 'wrap' }}>
        {servicesInTrace.map((s) => (
          <ServiceChip key={s.name} name={s.name} count={s.count} />
        ))}
      </div>
      <nav className="tabs" aria-label="Trace views">
        {VIEWS.map((v) => (
          <a
            key={v.value}
            href={href(['trace', model.traceId], { ...Object.fromEntries(route.params), view: v.value === 'timeline' ? undefined : v.value })}
            className={current === v.value ? 'active' : undefined}
            data-testid={`tab-${v.value}`}
          >
            {v.label}
          </a>
        ))}
        <span style={{ flex: 1 }} />
        <span className="muted" style={{ alignSelf: 'center', fontSize: 11 }} title={traceKey}>
          {upload ? 'from an uploaded file' : ''}
        </span>
      </nav>
    </div>
  );
}

function TimelineView({ model, traceKey }: { model: TraceModel; traceKey: string }) {
  const route = useRoute();
  const params = route.params;
  const selectedId = params.get('span') ?? '';
  // A scan when the selection changes (~1 ms at 100k spans) rather than a 100k-entry map built before the first paint.
  const selected = useMemo(() => (selectedId === '' ? -1 : model.spanIds.indexOf(selectedId)), [model, selectedId]);
  const [detailOpen, setDetailOpen] = useState(true);
  const zoom = parseZoom(params.get('zoom'));
  const showCriticalPath = params.get('cp') !== '0';
  const find = params.get('find') ?? '';
  const [findText, setFindText] = useState(find);
  useEffect(() => setFindText(find), [find]);
  const findInput = useRef<HTMLInputElement>(null);
  const [command, setCommand] = useState<TimelineProps['command']>();
  const found = useQuery({ queryKey: ['find', traceKey, find], queryFn: () => traceSource.find(traceKey, find), enabled: find.trim() !== '', staleTime: Infinity });
  const matchRows = find.trim() === '' ? undefined : found.data;
  const matches = useMemo(() => {
    if (!matchRows) return undefined;
    const m = new Uint8Array(model.spanCount);
    for (const r of matchRows) m[r] = 1;
    return m;
  }, [matchRows, model]);
  const matchIndex = matchRows && selected >= 0 ? matchRows.indexOf(selected) : -1;

  // Apply typed find text after a short pause (the URL keeps it, so a search is shareable).
  useEffect(() => {
    if (findText === find) return;
    const t = setTimeout(() => setParams({ find: findText }, { replace: true }), 200);
    return () => clearTimeout(t);
  }, [findText, find]);
  // A new find jumps to its first match.
  const lastFind = useRef(find);
  useEffect(() => {
    if (matchRows && matchRows.length > 0 && lastFind.current !== find) {
      lastFind.current = find;
      setParams({ span: model.spanIds[matchRows[0]] }, { replace: true });
    }
  }, [matchRows, find, model]);

  const onSelect = useCallback(
    (row: number) => {
      setDetailOpen(true);
      setParams({ span: model.spanIds[row] }, { replace: true });
    },
    [model],
  );
  const onZoom = useCallback((z: [number, number]) => setParams({ zoom: z[0] === 0 && z[1] === 1 ? undefined : `${z[0].toFixed(5)}-${z[1].toFixed(5)}` }, { replace: true }), []);
  const cmd = (kind: NonNullable<TimelineProps['command']>['kind']) => setCommand((c) => ({ seq: (c?.seq ?? 0) + 1, kind }));
  return (
    <div className="trace-body">
      <div className="trace-main">
        <div className="toolbar">
          <input
            ref={findInput}
            className="find"
            type="search"
            placeholder="Find in trace (name, service, attribute, key=value)"
            aria-label="Find in trace"
            data-testid="find-input"
            value={findText}
            onChange={(e) => setFindText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') cmd(e.shiftKey ? 'prev-match' : 'next-match');
            }}
          />
          {find.trim() !== '' && (
            <span className="muted" data-testid="find-count">
              {found.isPending ? '…' : `${matchIndex >= 0 ? `${matchIndex + 1} of ` : ''}${matchRows?.length ?? 0} match${matchRows?.length === 1 ? '' : 'es'}`}
            </span>
          )}
          <button type="button" className="btn small" onClick={() => cmd('prev-match')} disabled={!matchRows?.length} aria-label="Previous match">
            ↑
          </button>
          <button type="button" className="btn small" onClick={() => cmd('next-match')} disabled={!matchRows?.length} aria-label="Next match">
            ↓
          </button>
          <span style={{ width: 8 }} />
          <button
            type="button"
            className={`btn small${showCriticalPath ? ' on' : ''}`}
            aria-pressed={showCriticalPath}
            data-testid="critical-path-toggle"
            onClick={() => setParams({ cp: showCriticalPath ? '0' : undefined }, { replace: true })}
            title="The chain of work that decided when the trace ended (c)"
          >
            Critical path
          </button>
          <button type="button" className="btn small" onClick={() => cmd('expand-all')}>
            Expand all
          </button>
          <button type="button" className="btn small" onClick={() => cmd('collapse-1')}>
            Collapse to level 1
          </button>
          <button type="button" className="btn small" onClick={() => cmd('collapse-2')}>
            Level 2
          </button>
          {!(zoom[0] === 0 && zoom[1] === 1) && (
            <button type="button" className="btn small" onClick={() => onZoom([0, 1])}>
              Reset zoom
            </button>
          )}
          <span style={{ flex: 1 }} />
          <span className="legend" title="Keyboard: ↑↓ move, ←→ fold/unfold, Enter detail, Esc close, n/N next/previous match, / find, c critical path">
            <span className="kbd">↑↓</span>
            <span className="kbd">←→</span>
            <span className="kbd">n</span>
            <span className="kbd">/</span>
            {showCriticalPath && (
              <span className="row" style={{ gap: 4 }}>
                <span style={{ display: 'inline-block', width: 16, height: 3, background: 'var(--critical)' }} /> critical path
              </span>
            )}
          </span>
        </div>
        <Minimap model={model} zoom={zoom} onZoom={onZoom} />
        <Timeline
          model={model}
          zoom={zoom}
          onZoom={onZoom}
          selected={selected}
          onSelect={onSelect}
          matches={matches}
          matchRows={matchRows}
          showCriticalPath={showCriticalPath}
          onToggleCriticalPath={() => setParams({ cp: showCriticalPath ? '0' : undefined }, { replace: true })}
          onFocusFind={() => findInput.current?.focus()}
          onOpenDetail={() => setDetailOpen(true)}
          onCloseDetail={() => setDetailOpen(false)}
          nameWidth={360}
          command={command}
        />
      </div>
      {selected >= 0 && detailOpen && <SpanDetail traceKey={traceKey} model={model} row={selected} onClose={() => setParams({ span: undefined }, { replace: true })} />}
    </div>
  );
}

export function TracePage({ traceId }: { traceId: string }) {
  const route = useRoute();
  const upload = route.params.get('upload');
  const key = traceKeyOf(traceId, upload);
  const trace = useTraceModel(key);
  const view = route.params.get('view') ?? 'timeline';
  if (!key) return <div className="page"><ErrorBox error={`'${traceId}' is not a trace id (32 hex digits).`}>Cannot show this trace: </ErrorBox></div>;
  if (trace.isPending) return <Loading what={`trace ${traceId}`} />;
  if (trace.isError) {
    const status = (trace.error as { status?: number }).status;
    return (
      <div className="page">
        <ErrorBox error={trace.error}>{status === 404 ? 'Trace not found: ' : 'Could not load the trace: '}</ErrorBox>
        {upload && <p className="muted">Uploaded traces are kept only in the tab that uploaded them. <a href="#/upload">Upload the file again</a>.</p>}
      </div>
    );
  }
  const model = trace.data.model;
  return (
    <div className="trace-page" data-testid="trace-page" data-fetch-ms={trace.data.timings.fetchMs.toFixed(1)} data-model-ms={trace.data.timings.modelMs.toFixed(1)}>
      <Header model={model} traceKey={key} upload={upload} />
      {view === 'stats' && <StatsView model={model} />}
      {view === 'flame' && <FlameView model={model} onOpenSpan={(row) => setParams({ view: undefined, span: model.spanIds[row] })} />}
      {view !== 'stats' && view !== 'flame' && <TimelineView key={key} model={model} traceKey={key} />}
    </div>
  );
}
