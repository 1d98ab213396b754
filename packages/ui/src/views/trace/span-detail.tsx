import { useQuery } from '@tanstack/react-query';
import type { AnyValue, Attributes, Span } from '@tracelight/core';
import { anyValueToJson, anyValueToString, serviceNameOf } from '@tracelight/core';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { traceSource } from '../../api/trace-source.js';
import { serviceColor } from '../../model/colors.js';
import { formatDuration, formatTimestamp } from '../../model/format.js';
import type { TraceModel } from '../../model/trace-model.js';
import { traceHref } from '../../state/router.js';
import { CopyButton, ErrorBox, Loading } from '../common/common.js';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

/** An attribute value as text: strings as they are, everything else as JSON (bytes as base64). */
function valueText(value: AnyValue): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return anyValueToString(value);
  return JSON.stringify(anyValueToJson(value));
}

function Section({ title, count, children, open: initiallyOpen = true, testId }: { title: string; count?: number; children: ReactNode; open?: boolean; testId?: string }) {
  const [open, setOpen] = useState(initiallyOpen);
  return (
    <section data-testid={testId}>
      <h3 onClick={() => setOpen(!open)} role="button" aria-expanded={open} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && setOpen(!open)}>
        <span>{open ? '▾' : '▸'}</span> {title}
        {count !== undefined && <span className="muted">({count})</span>}
      </h3>
      {open && children}
    </section>
  );
}

function KeyValues({ attributes, empty = 'none' }: { attributes: Attributes; empty?: string }) {
  if (attributes.length === 0) return <div className="muted" style={{ padding: '2px 14px 8px' }}>{empty}</div>;
  const sorted = [...attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return (
    <table className="kv">
      <tbody>
        {sorted.map((kv, i) => {
          const text = valueText(kv.value);
          return (
            <tr key={`${kv.key}\u0000${i}`}>
              <td className="k">{kv.key}</td>
              <td className="v">
                {text}
                <CopyButton text={text} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Facts({ rows }: { rows: [string, ReactNode, string?][] }) {
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v, copy]) => (
          <tr key={k}>
            <td className="k">{k}</td>
            <td className="v">
              {v}
              {copy && <CopyButton text={copy} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ span, warnings, model, row }: { span: Span; warnings: readonly string[]; model: TraceModel; row: number }) {
  const t0 = model.startUnixNano;
  const offset = (t: bigint) => formatDuration(Number(t - t0));
  const parentLink = span.parentSpanId && model.parent[row] >= 0 ? traceHref(span.traceId, span.parentSpanId) : undefined;
  return (
    <>
      <Section title="Overview" testId="detail-overview">
        <Facts
          rows={[
            ['duration', formatDuration(Number(span.endTimeUnixNano - span.startTimeUnixNano))],
            ['start', `${offset(span.startTimeUnixNano)} after the trace start (${formatTimestamp(span.startTimeUnixNano)})`],
            ['kind', KINDS[span.kind] ?? String(span.kind)],
            [
              'status',
              <span key="s" className={span.status.code === 2 ? 'error-text' : undefined} data-testid="detail-status">
                {STATUS[span.status.code] ?? String(span.status.code)}
                {span.status.message ? `: ${span.status.message}` : ''}
              </span>,
            ],
            ['trace id', span.traceId, span.traceId],
            ['span id', span.spanId, span.spanId],
            ['parent span id', parentLink ? <a href={parentLink}>{span.parentSpanId}</a> : span.parentSpanId || '(root)', span.parentSpanId || undefined],
            ...(span.traceState ? ([['trace state', span.traceState, span.traceState]] as [string, ReactNode, string][]) : []),
            ['flags', `0x${span.flags.toString(16)}`],
          ]}
        />
      </Section>
      {warnings.length > 0 && (
        <Section title="Warnings" count={warnings.length}>
          <ul style={{ margin: '0 0 8px', paddingLeft: 30, color: 'var(--warn)' }}>
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Span attributes" count={span.attributes.length} testId="detail-attributes">
        <KeyValues attributes={span.attributes} />
        {span.droppedAttributesCount > 0 && <div className="muted" style={{ padding: '0 14px 8px' }}>{span.droppedAttributesCount} dropped</div>}
      </Section>
      <Section title="Resource" count={span.resource.attributes.length} testId="detail-resource">
        <KeyValues attributes={span.resource.attributes} />
      </Section>
      <Section title="Instrumentation scope" open={false} testId="detail-scope">
        <Facts rows={[['name', span.scope.name || '(none)'], ['version', span.scope.version || '(none)']]} />
        {span.scope.attributes.length > 0 && <KeyValues attributes={span.scope.attributes} />}
      </Section>
      <Section title="Events" count={span.events.length} testId="detail-events">
        {span.events.length === 0 && <div className="muted" style={{ padding: '2px 14px 8px' }}>none</div>}
        {span.events.map((ev, i) => (
          <div className="event" key={i}>
            <div className="ev-head">
              <span className="mono muted">{offset(ev.timeUnixNano)}</span>
              <span className={ev.name === 'exception' ? 'error-text' : undefined}>{ev.name}</span>
            </div>
            <KeyValues attributes={ev.attributes} empty="" />
          </div>
        ))}
      </Section>
      <Section title="Links" count={span.links.length} testId="detail-links">
        {span.links.length === 0 && <div className="muted" style={{ padding: '2px 14px 8px' }}>none</div>}
        {span.links.map((link, i) => {
          const to = traceHref(link.traceId, link.spanId);
          return (
            <div className="event" key={i}>
              <div className="ev-head mono">
                {to ? (
                  <a href={to} data-testid="span-link">
                    {link.traceId} / {link.spanId}
                  </a>
                ) : (
                  <span>
                    {link.traceId} / {link.spanId}
                  </span>
                )}
                <CopyButton text={link.traceId} label="Copy" />
              </div>
              <KeyValues attributes={link.attributes} empty="" />
            </div>
          );
        })}
      </Section>
    </>
  );
}

/** The selected span, in full: fetched from the worker one at a time. */
export function SpanDetail({ traceKey, model, row, onClose }: { traceKey: string; model: TraceModel; row: number; onClose: () => void }) {
  const detail = useQuery({ queryKey: ['span', traceKey, row], queryFn: () => traceSource.span(traceKey, row), staleTime: Infinity });
  const service = model.services[model.service[row]];
  const name = model.names[model.name[row]];
  const onPath = model.criticalPath.onPath[row] === 1;
  return (
    <aside className="detail" data-testid="span-detail" aria-label="Span detail">
      <div className="detail-head">
        <h2>
          <span className="swatch" style={{ background: serviceColor(service), marginTop: 5 }} />
          <span data-testid="detail-name">{name}</span>
          <button type="button" className="btn small close" onClick={onClose} aria-label="Close the span detail">
            ✕
          </button>
        </h2>
        <div className="row muted" style={{ flexWrap: 'wrap' }}>
          <span data-testid="detail-service">{service}</span>
          <span>·</span>
          <span>{formatDuration(model.duration[row])}</span>
          {onPath && <span className="chip" title="This span is on the critical path">critical path</span>}
          {model.status[row] === 2 && <span className="badge-error">error</span>}
        </div>
      </div>
      {detail.isPending && <Loading what="span" />}
      {detail.isError && <ErrorBox error={detail.error} />}
      {detail.data && <Body span={detail.data.span} warnings={detail.data.warnings} model={model} row={row} />}
      {detail.data && (
        <div style={{ padding: 14 }}>
          <CopyButton className="btn small" label="Copy span as JSON" text={JSON.stringify(spanJson(detail.data.span), null, 2)} />
        </div>
      )}
    </aside>
  );
}

function attrsJson(attributes: Attributes) {
  return Object.fromEntries(attributes.map((kv) => [kv.key, anyValueToJson(kv.value)]));
}

function spanJson(span: Span) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: serviceNameOf(span.resource),
    kind: KINDS[span.kind],
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    status: { code: STATUS[span.status.code], message: span.status.message },
    attributes: attrsJson(span.attributes),
    resource: attrsJson(span.resource.attributes),
    scope: { name: span.scope.name, version: span.scope.version },
    events: span.events.map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: attrsJson(e.attributes) })),
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: attrsJson(l.attributes) })),
  };
}
