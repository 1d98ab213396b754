import type { QueryClient, SearchResult } from '@tracelight/query/client';

/** One row of a search result (the store's TraceSummary, as the client hands it out). */
export type TraceSummary = SearchResult['traces'][number];
export type Operation = Awaited<ReturnType<QueryClient['operations']>>[number];
export type MetricFamily = Awaited<ReturnType<QueryClient['metrics']>>;
export type DependencyLink = Awaited<ReturnType<QueryClient['dependencies']>>[number];
export type SearchRequest = Parameters<QueryClient['search']>[0];
