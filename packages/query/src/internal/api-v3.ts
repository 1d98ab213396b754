import { TracelightError } from '@tracelight/core';
import { MAX_TRACE_LIMIT } from '@tracelight/store';
import type { TraceSummariesResponse } from '../api-types.js';
import type { ApiContext } from './context.js';
import { summaryJson, viewTrace } from './context.js';
import { badRequest, jsonResponse, QueryErrorCode } from './http.js';
import { jaegerTraceId } from './jaeger/api.js';
import { parseTagParams, tagCondition } from './jaeger/search-params.js';
import { annotatedSpans, otlpJsonOf } from './otlp-view.js';
import { boolParam, goDurationParam, intParam, param, params, rfc3339Param } from './params.js';
import type { Router } from './router.js';
import type { Expr } from './search/expr.js';
import type { MatchResult } from './search/engine.js';
import { findMatchingTraces, matchedTraces } from './search/engine.js';
import { planSearch } from './search/plan.js';
import { kindName, parseKind } from './span-kind.js';

const DEFAULT_NUM_TRACES = 20;

/** The `query.*` parameters of Jaeger's v3 FindTraces, run as a search. */
async function findTraces(ctx: ApiContext, url: URL): Promise<MatchResult> {
  const start = rfc3339Param(url, 'query.start_time_min');
  const end = rfc3339Param(url, 'query.start_time_max');
  if (start === undefined || end === undefined) throw badRequest('query.start_time_min and query.start_time_max are required');
  if (start > end) throw badRequest('query.start_time_min is after query.start_time_max');
  const conditions: Expr[] = [];
  const service = param(url, 'query.service_name');
  if (service !== undefined) conditions.push({ op: 'compare', field: { type: 'intrinsic', name: 'service' }, cmp: '=', value: { type: 'string', value: service } });
  const operation = param(url, 'query.operation_name');
  if (operation !== undefined) conditions.push({ op: 'compare', field: { type: 'intrinsic', name: 'name' }, cmp: '=', value: { type: 'string', value: operation } });
  // query.attributes={"k":"v"} (JSON) or query.attributes[k]=v (grpc-gateway's map encoding).
  const pairs = parseTagParams([], params(url, 'query.attributes'));
  for (const [name, value] of url.searchParams) {
    const m = /^query\.attributes\[(.+)\]$/.exec(name);
    if (m) pairs.push([m[1], value]);
  }
  for (const [k, v] of pairs) conditions.push(tagCondition(k, v));
  const dmin = goDurationParam(url, 'query.duration_min');
  const dmax = goDurationParam(url, 'query.duration_max');
  if (dmin !== undefined) conditions.push({ op: 'compare', field: { type: 'intrinsic', name: 'duration' }, cmp: '>=', value: { type: 'duration', nanos: dmin } });
  if (dmax !== undefined) conditions.push({ op: 'compare', field: { type: 'intrinsic', name: 'duration' }, cmp: '<=', value: { type: 'duration', nanos: dmax } });
  const limit =
    intParam(url, 'query.search_depth', { min: 0, max: MAX_TRACE_LIMIT }) || intParam(url, 'query.num_traces', { min: 0, max: MAX_TRACE_LIMIT }) || DEFAULT_NUM_TRACES;
  const expr: Expr | undefined = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : { op: 'and', args: conditions };
  return findMatchingTraces(ctx.reader, planSearch(expr), { startTimeMinUnixNano: start, startTimeMaxUnixNano: end, limit, scanLimit: ctx.searchScanLimit });
}

function traceIdParam(text: string): string {
  const id = jaegerTraceId(text);
  if (id === undefined) throw badRequest(`malformed parameter trace_id: '${text}' is not a hex trace id`);
  return id;
}

/** Registers Jaeger's API v3 (HTTP gateway): OTLP/JSON answers wrapped in `{result: …}`. */
export function registerApiV3(router: Router, ctx: ApiContext): void {
  router.get('/api/v3/services', async () => jsonResponse(200, { services: await ctx.reader.getServices() }));

  router.get('/api/v3/operations', async ({ url }) => {
    const kindText = param(url, 'span_kind');
    const spanKind = kindText === undefined ? undefined : parseKind(kindText);
    if (kindText !== undefined && spanKind === undefined) throw badRequest(`malformed parameter span_kind: unknown span kind '${kindText}'`);
    const operations = await ctx.reader.getOperations({ serviceName: param(url, 'service') ?? '', spanKind });
    return jsonResponse(200, { operations: operations.map((o) => ({ name: o.name, spanKind: kindName(o.spanKind) })) });
  });

  router.get('/api/v3/traces/:traceId', async ({ url, params: p }) => {
    const traceId = traceIdParam(p.traceId);
    // start_time / end_time are hints, as in /api/traces/{id}: checked, not used.
    rfc3339Param(url, 'start_time');
    rfc3339Param(url, 'end_time');
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, 'trace not found');
    const view = viewTrace(ctx, traceId, trace.spans, boolParam(url, 'raw_traces') ?? false);
    return jsonResponse(200, { result: otlpJsonOf(annotatedSpans(view)) });
  });

  router.get('/api/v3/traces', async ({ url }) => {
    const raw = boolParam(url, 'query.raw_traces') ?? false;
    const traces = await matchedTraces(ctx.reader, await findTraces(ctx, url));
    const spans = traces.flatMap((t) => annotatedSpans(viewTrace(ctx, t.traceId, t.spans, raw)));
    return jsonResponse(200, { result: otlpJsonOf(spans) });
  });

  router.get('/api/v3/trace-summaries', async ({ url }) => {
    const ids = params(url, 'trace_id').map(traceIdParam);
    const wanted = ids.length > 0 ? [...new Set(ids)] : (await findTraces(ctx, url)).refs.map((r) => r.traceId);
    const summaries = wanted.length > 0 ? await ctx.reader.getTraceSummaries(wanted) : [];
    const body: TraceSummariesResponse = { summaries: summaries.map(summaryJson) };
    return jsonResponse(200, body);
  });
}
