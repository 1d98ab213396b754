import { useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import type { Change, CompareRow } from '../../model/compare.js';
import { compareTraces } from '../../model/compare.js';
import { formatDuration } from '../../model/format.js';
import type { TraceModel } from '../../model/trace-model.js';
import { mainRoot } from '../../model/trace-model.js';
import { href, navigate, safeTraceId, traceHref } from '../../state/router.js';
import { useUi } from '../../state/ui-store.js';
import { ErrorBox, Loading, ServiceChip } from '../common/common.js';
import { VirtualList } from '../common/virtual-list.js';
import { useTraceModel } from '../trace/use-trace.js';

const CHANGES: { value: Change; label: string }[] = [
  { value: 'added', label: 'only in B' },
  { value: 'removed', label: 'only in A' },
  { value: 'slower', label: 'slower in B' },
  { value: 'faster', label: 'faster in B' },
  { value: 'same', label: 'about the same' },
];
const LABEL: Record<Change, string> = { added: 'added', removed: 'removed', slower: 'slower', faster: 'faster', same: 'same' };

function PickForm({ a, b }: { a?: string; b?: string }) {
  const picked = useUi((s) => s.picked);
  const [left, setLeft] = useState(a ?? picked[0] ?? '');
  const [right, setRight] = useState(b ?? picked[1] ?? '');
  const ok = safeTraceId(left.trim()) && safeTraceId(right.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ok) navigate(href(['compare', left.trim().toLowerCase(), right.trim().toLowerCase()]));
  };
  return (
    <form className="row" onSubmit={submit} style={{ flexWrap: 'wrap' }}>
      <input type="text" className="mono" style={{ width: 290 }} placeholder="Trace A id" aria-label="Trace A id" value={left} onChange={(e) => setLeft(e.target.value)} />
      <span className="muted">vs</span>
      <input type="text" className="mono" style={{ width: 290 }} placeholder="Trace B id" aria-label="Trace B id" value={right} onChange={(e) => setRight(e.target.value)} />
      <button type="submit" className="btn primary" disabled={!ok}>
        Compare
      </button>
    </form>
  );
}

function Side({ label, model }: { label: string; model: TraceModel }) {
  const root = mainRoot(model);
  return (
    <div className="panel" style={{ padding: 10, flex: 1, minWidth: 0 }}>
      <div className="row">
        <b>{label}</b>
        <a className="mono" href={traceHref(model.traceId)}>
          {model.traceId}
        </a>
      </div>
      <div className="row" style={{ marginTop: 6, flexWrap: 'wrap' }}>
        {root >= 0 && <ServiceChip name={model.services[model.service[root]]} />}
        <span>{root >= 0 ? model.names[model.name[root]] : ''}</span>
        <span className="muted">
          {formatDuration(model.durationNano)} · {model.spanCount} spans · {model.errorCount} errors
        </span>
      </div>
    </div>
  );
}

function Delta({ row }: { row: CompareRow }) {
  if (!row.a || !row.b) return <span />;
  const d = row.b.totalNano - row.a.totalNano;
  const pct = row.a.totalNano > 0 ? ` (${d >= 0 ? '+' : ''}${Math.round((d / row.a.totalNano) * 100)}%)` : '';
  return (
    <span className="num" style={{ color: row.change === 'slower' ? 'var(--slower)' : row.change === 'faster' ? 'var(--faster)' : undefined }}>
      {d >= 0 ? '+' : '-'}
      {formatDuration(Math.abs(d))}
      {pct}
    </span>
  );
}

function Merged({ a, b }: { a: TraceModel; b: TraceModel }) {
  const rows = useMemo(() => compareTraces(a, b), [a, b]);
  const counts = useMemo(() => {
    const c: Record<Change, number> = { added: 0, removed: 0, slower: 0, faster: 0, same: 0 };
    for (const r of rows) c[r.change]++;
    return c;
  }, [rows]);
  const side = (s: CompareRow['a']) => (s ? `${s.count}× ${formatDuration(s.totalNano)}${s.errors ? ` (${s.errors} err)` : ''}` : '—');
  return (
    <div className="panel" style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, overflow: 'hidden' }}>
      <div className="panel-title legend" data-testid="compare-legend">
        {CHANGES.map((c) => (
          <span key={c.value} className="row" style={{ gap: 4 }} data-change={c.value} data-count={counts[c.value]}>
            <span className={`change ${c.value}`}>{LABEL[c.value]}</span> {counts[c.value]} {c.label}
          </span>
        ))}
      </div>
      <div className="cmp-row" style={{ position: 'relative', fontWeight: 600, color: 'var(--muted)', fontSize: 12, background: 'var(--panel-2)' }}>
        <span style={{ paddingLeft: 10 }}>Call path (service: operation)</span>
        <span>Change</span>
        <span className="num">A</span>
        <span className="num">B</span>
        <span className="num">B − A</span>
      </div>
      <VirtualList
        count={rows.length}
        rowHeight={26}
        testId="compare-rows"
        renderRow={(i, top) => {
          const r = rows[i];
          return (
            <div key={i} className={`cmp-row ${r.change}`} style={{ top }} data-change={r.change} data-name={`${r.service}:${r.name}`}>
              <span className="nm" style={{ paddingLeft: 10 + Math.min(r.depth, 30) * 14 }}>
                <ServiceChip name={r.service} />
                <span title={r.name}>{r.name}</span>
              </span>
              <span>
                <span className={`change ${r.change}`}>{LABEL[r.change]}</span>
              </span>
              <span className="num">{side(r.a)}</span>
              <span className="num">{side(r.b)}</span>
              <Delta row={r} />
            </div>
          );
        }}
      />
    </div>
  );
}

/** Two traces side by side as one merged tree: what was added, removed, got slower or faster. */
export function ComparePage({ a, b }: { a?: string; b?: string }) {
  const idA = safeTraceId(a);
  const idB = safeTraceId(b);
  const left = useTraceModel(idA);
  const right = useTraceModel(idB);
  return (
    <div className="page" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
      <PickForm key={`${a}/${b}`} a={a} b={b} />
      {(!idA || !idB) && <div className="notice">Enter two trace ids, or tick two traces in the search results and press Compare.</div>}
      {(left.isError || right.isError) && <ErrorBox error={left.error ?? right.error}>Could not load a trace: </ErrorBox>}
      {idA && idB && (left.isPending || right.isPending) && <Loading what="both traces" />}
      {left.data && right.data && (
        <>
          <div className="row" style={{ alignItems: 'stretch' }}>
            <Side label="A" model={left.data.model} />
            <Side label="B" model={right.data.model} />
          </div>
          <div style={{ display: 'flex', flex: 1, minHeight: 420 }}>
            <Merged a={left.data.model} b={right.data.model} />
          </div>
        </>
      )}
    </div>
  );
}
