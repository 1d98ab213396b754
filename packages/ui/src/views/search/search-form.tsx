import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../../api/client.js';
import { isDuration, LOOKBACKS, parseTags } from '../../model/search-query.js';
import { href, navigate } from '../../state/router.js';

const FIELDS = ['service', 'operation', 'tags', 'lookback', 'start', 'end', 'minDuration', 'maxDuration', 'limit'] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;

function valuesOf(params: URLSearchParams): Values {
  const v = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Values;
  if (!v.lookback) v.lookback = '1h';
  if (!v.limit) v.limit = '20';
  return v;
}

export function SearchForm({ params }: { params: URLSearchParams }) {
  const [values, setValues] = useState<Values>(() => valuesOf(params));
  // The URL wins when it changes (back/forward, a shared link).
  useEffect(() => setValues(valuesOf(params)), [params]);
  const services = useQuery({ queryKey: ['services'], queryFn: () => api.services() });
  const operations = useQuery({ queryKey: ['operations', values.service], queryFn: () => api.operations(values.service), enabled: values.service !== '' });
  const set = (field: Field) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: e.target.value, ...(field === 'service' ? { operation: '' } : {}) }));
  const tagErrors = parseTags(values.tags).errors;
  const badMin = values.minDuration !== '' && !isDuration(values.minDuration);
  const badMax = values.maxDuration !== '' && !isDuration(values.maxDuration);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (badMin || badMax || tagErrors.length > 0) return;
    const out: Record<string, string> = { ...values };
    if (out.lookback !== 'custom') {
      delete out.start;
      delete out.end;
    }
    const sort = params.get('sort');
    navigate(href(['search'], { ...out, sort: sort ?? undefined }));
  };
  const opNames = [...new Set((operations.data ?? []).map((o) => o.name))].sort();
  return (
    <form className="panel search-form" onSubmit={submit} aria-label="Search traces">
      <label className="field">
        Service
        <select value={values.service} onChange={set('service')} name="service">
          <option value="">All services</option>
          {(services.data ?? []).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
          {values.service && services.data && !services.data.includes(values.service) && <option value={values.service}>{values.service}</option>}
        </select>
      </label>
      <label className="field">
        Operation
        <select value={values.operation} onChange={set('operation')} name="operation" disabled={!values.service}>
          <option value="">All operations</option>
          {opNames.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
          {values.operation && !opNames.includes(values.operation) && <option value={values.operation}>{values.operation}</option>}
        </select>
      </label>
      <label className="field">
        Tags
        <textarea name="tags" value={values.tags} onChange={set('tags')} placeholder={'http.response.status_code=500\nerror=true'} spellCheck={false} />
        {tagErrors.length > 0 && <span className="error-text">Not key=value: {tagErrors.join(' ')}</span>}
      </label>
      <label className="field">
        Time range
        <select name="lookback" value={values.lookback} onChange={set('lookback')}>
          {LOOKBACKS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {values.lookback === 'custom' && (
        <div className="pair">
          <label className="field">
            From
            <input type="datetime-local" step="1" name="start" value={values.start} onChange={set('start')} />
          </label>
          <label className="field">
            To
            <input type="datetime-local" step="1" name="end" value={values.end} onChange={set('end')} />
          </label>
        </div>
      )}
      <div className="pair">
        <label className="field">
          Min duration
          <input type="text" name="minDuration" placeholder="e.g. 100ms" value={values.minDuration} onChange={set('minDuration')} style={badMin ? { borderColor: 'var(--error)' } : undefined} />
        </label>
        <label className="field">
          Max duration
          <input type="text" name="maxDuration" placeholder="e.g. 1.5s" value={values.maxDuration} onChange={set('maxDuration')} style={badMax ? { borderColor: 'var(--error)' } : undefined} />
        </label>
      </div>
      <label className="field">
        Limit
        <input type="number" name="limit" min={1} max={1000} value={values.limit} onChange={set('limit')} />
      </label>
      <button type="submit" className="btn primary" style={{ justifyContent: 'center' }}>
        Find traces
      </button>
    </form>
  );
}
