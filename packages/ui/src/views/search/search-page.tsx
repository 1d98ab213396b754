import { useQuery } from '@tanstack/react-query';
import type { SearchRequest } from '../../api/types.js';
import { useMemo } from 'react';
import { api } from '../../api/client.js';
import { buildQuery, lookbackNanos } from '../../model/search-query.js';
import { href, navigate, useRoute } from '../../state/router.js';
import { useUi } from '../../state/ui-store.js';
import { ErrorBox, Loading } from '../common/common.js';
import { ResultList } from './result-list.js';
import { ScatterPlot } from './scatter-plot.js';
import { SearchForm } from './search-form.js';

export const SORTS = [
  { value: 'start-desc', label: 'Most recent' },
  { value: 'start-asc', label: 'Oldest first' },
  { value: 'duration-desc', label: 'Longest first' },
  { value: 'duration-asc', label: 'Shortest first' },
] as const;

/** Epoch ns (as text) of a `datetime-local` value, or undefined. */
function localToNanos(text: string | null): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? String(BigInt(ms) * 1_000_000n) : undefined;
}

/** The search request the URL describes. */
export function requestOf(params: URLSearchParams): SearchRequest {
  const q = buildQuery({
    service: params.get('service') ?? undefined,
    operation: params.get('operation') ?? undefined,
    tags: params.get('tags') ?? undefined,
    minDuration: params.get('minDuration') ?? undefined,
    maxDuration: params.get('maxDuration') ?? undefined,
  });
  const [sort, order] = (params.get('sort') ?? 'start-desc').split('-');
  const limit = Math.min(1000, Math.max(1, Number(params.get('limit')) || 20));
  const lookback = params.get('lookback') ?? '1h';
  const custom = lookback === 'custom';
  return {
    q,
    lookback: custom || !lookbackNanos(lookback) ? undefined : lookback,
    start: custom ? localToNanos(params.get('start')) : undefined,
    end: custom ? localToNanos(params.get('end')) : undefined,
    limit,
    sort: sort === 'duration' ? 'duration' : 'start',
    order: order === 'asc' ? 'asc' : 'desc',
  };
}

export function SearchPage() {
  const route = useRoute();
  const request = useMemo(() => requestOf(route.params), [route.params]);
  const search = useQuery({ queryKey: ['search', request], queryFn: () => api.search(request) });
  const picked = useUi((s) => s.picked);
  const sort = route.params.get('sort') ?? 'start-desc';
  return (
    <div className="page">
      <div className="search-layout">
        <SearchForm params={route.params} />
        <div className="results">
          {search.isError && <ErrorBox error={search.error}>Search failed: </ErrorBox>}
          {search.isPending && <Loading what="traces" />}
          {search.data && (
            <>
              <div className="panel scatter">
                <ScatterPlot traces={search.data.traces} />
              </div>
              <div className="panel">
                <div className="results-head" style={{ borderBottom: '1px solid var(--border)' }}>
                  <b data-testid="result-count">
                    {search.data.traces.length} trace{search.data.traces.length === 1 ? '' : 's'}
                  </b>
                  {search.data.total > search.data.traces.length && <span className="muted">of {search.data.total} found</span>}
                  {search.data.truncated && <span className="muted" title="More traces may match than were examined: narrow the time range or the query">(more may match)</span>}
                  <span style={{ flex: 1 }} />
                  <button
                    type="button"
                    className="btn"
                    disabled={picked.length !== 2}
                    title="Tick two traces to compare them"
                    onClick={() => navigate(href(['compare', picked[0], picked[1]]))}
                  >
                    Compare {picked.length > 0 ? `(${picked.length}/2)` : ''}
                  </button>
                  <label className="row muted">
                    Sort
                    <select
                      aria-label="Sort traces"
                      value={sort}
                      onChange={(e) => navigate(href(['search'], { ...Object.fromEntries(route.params), sort: e.target.value }), { replace: true })}
                    >
                      {SORTS.map((s) => (
                        <option key={s.value} value={s.value}>
                          {s.label}
                        </option>
                      ))}
                    </select>
                  </label>
                </div>
                <ResultList traces={search.data.traces} sort={sort} />
              </div>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
