import type { Span } from '@tracelight/core';
import { isValidSpanIdHex, logBatchFromRecords, spansOf, TracelightError } from '@tracelight/core';
import { decodeTraceRequest, logBatchToOtlpJson } from '@tracelight/otlp';
import type { TraceSummary } from '@tracelight/store';
import { compareTraceRefs } from '@tracelight/store';
import type { SearchOrder, SearchRequest, SearchResponse, SearchSort, TraceView, UploadResponse } from '../api-types.js';
import type { ApiContext } from './context.js';
import { requireCapability, summaryJson, viewTrace } from './context.js';
import { parseGoDuration } from './go-duration.js';
import { SKELETON_CONTENT_TYPE } from '../client/skeleton.js';
import { badRequest, bytesResponse, jsonResponse, QueryErrorCode, readBody } from './http.js';
import { jaegerTraceId } from './jaeger/api.js';
import { spansFromJaegerJson } from './jaeger/from-jaeger.js';
import { annotatedSpans, otlpJsonOf } from './otlp-view.js';
import { boolParam, intParam, param, parseRfc3339 } from './params.js';
import type { Router } from './router.js';
import { encodeTraceSkeleton } from './skeleton.js';
import { findMatchingTraces } from './search/engine.js';
import { parseQuery } from './search/expr.js';
import { planSearch } from './search/plan.js';

const DEFAULT_LOOKBACK = 48n * 3_600_000_000_000n;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;
const MAX_OFFSET = 100_000;

/** A Tracelight API time: epoch nanoseconds as an integer, or RFC 3339. */
function tlTime(text: string | undefined, name: string): bigint | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,19}$/.test(text)) return BigInt(text);
  const t = parseRfc3339(text);
  if (t === undefined) throw badRequest(`'${name}' must be epoch nanoseconds or an RFC 3339 time, got ${JSON.stringify(text)}`);
  return t;
}

function intField(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`'${name}' must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function stringField(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`'${name}' must be a string`);
  return value;
}

function searchRequestOf(source: Record<string, unknown>): Required<Pick<SearchRequest, 'limit' | 'offset' | 'sort' | 'order'>> & SearchRequest {
  const sort = stringField(source.sort, 'sort') ?? 'start';
  if (sort !== 'start' && sort !== 'duration') throw badRequest(`'sort' is 'start' or 'duration', got ${JSON.stringify(sort)}`);
  const order = stringField(source.order, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest(`'order' is 'asc' or 'desc', got ${JSON.stringify(order)}`);
  return {
    q: stringField(source.q, 'q'),
    start: stringField(source.start, 'start'),
    end: stringField(source.end, 'end'),
    lookback: stringField(source.lookback, 'lookback'),
    limit: intField(source.limit, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    offset: intField(source.offset, 'offset', 0, MAX_OFFSET) ?? 0,
    sort: sort as SearchSort,
    order: order as SearchOrder,
  };
}

function compareDurations(order: SearchOrder): (a: TraceSummary, b: TraceSummary) => number {
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => {
    if (a.durationNano !== b.durationNano) return a.durationNano < b.durationNano ? -sign : sign;
    return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
  };
}

async function search(ctx: ApiContext, source: Record<string, unknown>): Promise<SearchResponse> {
  const req = searchRequestOf(source);
  const expr = parseQuery(req.q ?? '');
  const end = tlTime(req.end, 'end') ?? ctx.now();
  let start = tlTime(req.start, 'start');
  if (start === undefined) {
    const lookback = req.lookback === undefined ? DEFAULT_LOOKBACK : parseGoDuration(req.lookback, { allowDays: true });
    if (lookback === undefined || lookback < 0n) throw badRequest(`'lookback' must be a duration such as 1h or 2d, got ${JSON.stringify(req.lookback)}`);
    start = end - lookback;
  }
  if (start > end) throw badRequest("'start' is after 'end'");
  const scan = Math.max(ctx.searchScanLimit, req.offset + req.limit);
  const plan = planSearch(expr);
  // Counting every match (up to `scan`) is cheap when the store answers the whole query; when
  // spans must be checked here, newest-first order only needs enough for this page.
  const wanted = plan.exact || req.sort !== 'start' || req.order !== 'desc' ? scan : req.offset + req.limit;
  const match = await findMatchingTraces(ctx.reader, plan, { startTimeMinUnixNano: start, startTimeMaxUnixNano: end, limit: wanted, scanLimit: scan });
  const page = (summaries: TraceSummary[]): SearchResponse => ({
    traces: summaries.map(summaryJson),
    total: match.refs.length,
    limit: req.limit,
    offset: req.offset,
    truncated: match.truncated,
  });
  if (req.sort === 'start') {
    // By the start of each trace's most recent matching span (the store's order; for a match on
    // the root span that is the trace's start): only the page needs summaries.
    const refs = req.order === 'desc' ? match.refs : [...match.refs].sort((a, b) => -compareTraceRefs(a, b));
    const ids = refs.slice(req.offset, req.offset + req.limit).map((r) => r.traceId);
    return page(ids.length > 0 ? await ctx.reader.getTraceSummaries(ids) : []);
  }
  const ids = match.refs.map((r) => r.traceId);
  const summaries = ids.length > 0 ? await ctx.reader.getTraceSummaries(ids) : [];
  summaries.sort(compareDurations(req.order));
  return page(summaries.slice(req.offset, req.offset + req.limit));
}

function traceIdOf(text: string): string {
  const id = jaegerTraceId(text);
  if (id === undefined || text.length !== 32) throw badRequest(`'${text}' is not a trace id (32 hex digits)`);
  return id;
}

function groupByTrace(spans: readonly Span[]): Map<string, Span[]> {
  const byTrace = new Map<string, Span[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  return byTrace;
}

/** Spans from an uploaded file: OTLP/JSON (an ExportTraceServiceRequest) or Jaeger JSON. */
function uploadedSpans(body: Uint8Array): Span[] {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw badRequest(`the file is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && ('resourceSpans' in root || 'resource_spans' in root)) {
    const decoded = decodeTraceRequest(body, 'json');
    if (decoded.rejected > 0 && decoded.batch.length === 0) throw badRequest(`no valid spans in the file: ${decoded.errorMessage}`);
    return spansOf(decoded.batch);
  }
  return spansFromJaegerJson(root);
}

/** Registers Tracelight's own API under /api/tl (see docs/api.md). */
export function registerTracelightApi(router: Router, ctx: ApiContext): void {
  router.get('/api/tl/search', async ({ url }) => jsonResponse(200, await search(ctx, Object.fromEntries(url.searchParams))));

  router.post('/api/tl/search', async ({ request }) => {
    const text = new TextDecoder().decode(await readBody(request, 1 << 20));
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw badRequest('the request body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
    return jsonResponse(200, await search(ctx, body as Record<string, unknown>));
  });

  router.get('/api/tl/traces/:traceId', async ({ url, params: p }) => {
    const traceId = traceIdOf(p.traceId);
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, `trace ${traceId} not found`);
    const view = viewTrace(ctx, traceId, trace.spans, boolParam(url, 'raw') ?? false);
    const body: TraceView = { traceId, ...otlpJsonOf(annotatedSpans(view)) };
    return jsonResponse(200, body);
  });

  // What the timeline needs, binary (layout in client/skeleton.ts and docs/api.md).
  router.get('/api/tl/traces/:traceId/skeleton', async ({ url, params: p }) => {
    const traceId = traceIdOf(p.traceId);
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, `trace ${traceId} not found`);
    const view = viewTrace(ctx, traceId, trace.spans, boolParam(url, 'raw') ?? false);
    return bytesResponse(200, encodeTraceSkeleton(view), SKELETON_CONTENT_TYPE);
  });

  // Details of one span, as the full trace view has them (clock-skew adjusted, notes attached).
  router.get('/api/tl/traces/:traceId/spans/:spanId', async ({ url, params: p }) => {
    const traceId = traceIdOf(p.traceId);
    const spanId = p.spanId.toLowerCase();
    if (!isValidSpanIdHex(spanId)) throw badRequest(`'${p.spanId}' is not a span id (16 hex digits)`);
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, `trace ${traceId} not found`);
    const view = viewTrace(ctx, traceId, trace.spans, boolParam(url, 'raw') ?? false);
    const span = view.spans.find((s) => s.spanId === spanId);
    if (!span) throw new TracelightError(QueryErrorCode.NOT_FOUND, `span ${spanId} not found in trace ${traceId}`);
    const body: TraceView = { traceId, ...otlpJsonOf(annotatedSpans({ spans: [span], warnings: view.warnings })) };
    return jsonResponse(200, body);
  });

  router.get('/api/tl/traces/:traceId/download', async ({ params: p }) => {
    const traceId = traceIdOf(p.traceId);
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, `trace ${traceId} not found`);
    // As stored (no clock-skew adjustment): a file that `tracelight` or any OTLP tool can read back.
    return jsonResponse(200, otlpJsonOf(trace.spans), { 'content-disposition': `attachment; filename="trace-${traceId}.json"` });
  });

  router.post('/api/tl/traces/upload', async ({ request, url }) => {
    const spans = uploadedSpans(await readBody(request, ctx.maxUploadBytes));
    const raw = boolParam(url, 'raw') ?? false;
    const traces: TraceView[] = [...groupByTrace(spans)].map(([traceId, list]) => ({
      traceId,
      ...otlpJsonOf(annotatedSpans(viewTrace(ctx, traceId, list, raw))),
    }));
    const body: UploadResponse = { traces };
    return jsonResponse(200, body);
  });

  router.get('/api/tl/logs', async ({ url }) => {
    requireCapability(ctx, 'logs');
    const traceText = param(url, 'traceId');
    const spanText = param(url, 'spanId');
    const traceId = traceText === undefined ? undefined : traceIdOf(traceText);
    const spanId = spanText?.toLowerCase();
    if (spanId !== undefined && !isValidSpanIdHex(spanId)) throw badRequest(`'${spanText}' is not a span id (16 hex digits)`);
    const records = await ctx.reader.findLogs({
      traceId,
      spanId,
      serviceName: param(url, 'service'),
      severityNumberMin: intParam(url, 'severityMin', { min: 0, max: 24 }),
      text: param(url, 'text'),
      startTimeMinUnixNano: tlTime(param(url, 'start'), 'start'),
      startTimeMaxUnixNano: tlTime(param(url, 'end'), 'end'),
      limit: intParam(url, 'limit', { min: 1, max: 100_000 }),
    });
    return jsonResponse(200, logBatchToOtlpJson(logBatchFromRecords(records)));
  });
}
