import type { Span, SpanKind } from '@tracelight/core';
import { spansOf, TracelightError } from '@tracelight/core';
import { decodeTraceRequest } from '@tracelight/otlp';
import { MAX_TRACE_LIMIT } from '@tracelight/store';
import type { JaegerDependencyLink, JaegerEnvelope, JaegerError, JaegerOperation, JaegerTrace } from '../../api-types.js';
import type { ApiContext } from '../context.js';
import { requireCapability, viewTrace } from '../context.js';
import { badRequest, jsonResponse, QueryErrorCode, readBody, statusOf } from '../http.js';
import { bigIntParam, boolParam, epochParam, goDurationParam, intParam, param, params } from '../params.js';
import type { Router } from '../router.js';
import type { Condition, Expr } from '../search/expr.js';
import { findMatchingTraces, matchedTraces } from '../search/engine.js';
import { planSearch } from '../search/plan.js';
import { kindName, parseKind } from '../span-kind.js';
import { jaegerMetrics } from './metrics.js';
import type { MetricKind } from './metrics.js';
import { parseTagParams, tagCondition } from './search-params.js';
import { toJaegerTrace } from './to-jaeger.js';

const US = 1_000n;
const MS = 1_000_000n;
const HOUR = 3_600_000_000_000n;
/** Jaeger's defaults (cmd/query/app/default_params.go). */
const DEFAULT_SEARCH_LOOKBACK = 48n * HOUR;
const DEFAULT_SEARCH_LIMIT = 100;
const DEFAULT_DEPENDENCY_LOOKBACK = 24n * HOUR;
const DEFAULT_METRICS_LOOKBACK = HOUR;
const DEFAULT_METRICS_STEP = 5_000n * MS;
const DEFAULT_METRICS_RATE_PER = 600_000n * MS;

function envelope<T>(data: T, total = 0, errors: JaegerError[] | null = null): JaegerEnvelope<T> {
  return { data, total, limit: 0, offset: 0, errors };
}

/** Jaeger's error answer: the envelope with `data: null` and one error carrying the status. */
export function jaegerErrorResponse(err: TracelightError): Response {
  const status = statusOf(err);
  const headers: Record<string, string> = err.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) };
  return jsonResponse(status, envelope(null, 0, [{ code: status, msg: err.message }]), headers);
}

/**
 * A trace id as Jaeger's TraceIDFromString reads it: 1–32 hex digits, left-padded to 32.
 * Undefined when it is not hex.
 */
export function jaegerTraceId(text: string): string | undefined {
  const lower = text.toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(lower) ? lower.padStart(32, '0') : undefined;
}

function jaegerTraces(ctx: ApiContext, traces: readonly { traceId: string; spans: readonly Span[] }[], raw: boolean): JaegerTrace[] {
  return traces.map((t) => {
    const view = viewTrace(ctx, t.traceId, t.spans, raw);
    return toJaegerTrace(view.traceId, view.spans, view.warnings);
  });
}

const eq = (name: 'service' | 'name', value: string): Condition => ({
  op: 'compare',
  field: { type: 'intrinsic', name },
  cmp: '=',
  value: { type: 'string', value },
});

const duration = (cmp: '>=' | '<=', nanos: bigint): Condition => ({ op: 'compare', field: { type: 'intrinsic', name: 'duration' }, cmp, value: { type: 'duration', nanos } });

/** Registers Jaeger's internal HTTP API (what Jaeger UI and Grafana's Jaeger data source call). */
export function registerJaegerApi(router: Router, ctx: ApiContext): void {
  router.get('/api/services', async () => {
    const services = await ctx.reader.getServices();
    return jsonResponse(200, envelope(services, services.length));
  });

  router.get('/api/services/:service/operations', async ({ params: p }) => {
    const operations = await ctx.reader.getOperations({ serviceName: p.service });
    const names = [...new Set(operations.map((o) => o.name))];
    return jsonResponse(200, envelope(names, names.length));
  });

  router.get('/api/operations', async ({ url }) => {
    const serviceName = param(url, 'service');
    if (serviceName === undefined) throw badRequest("parameter 'service' is required");
    const kindText = param(url, 'spanKind');
    let spanKind: SpanKind | undefined;
    if (kindText !== undefined) {
      spanKind = parseKind(kindText);
      if (spanKind === undefined) throw badRequest(`unable to parse param 'spanKind': unknown span kind '${kindText}'`);
    }
    const operations = await ctx.reader.getOperations({ serviceName, spanKind });
    const data: JaegerOperation[] = operations.map((o) => ({ name: o.name, spanKind: kindName(o.spanKind) }));
    return jsonResponse(200, envelope(data, data.length));
  });

  router.get('/api/traces/:traceId', async ({ url, params: p }) => {
    const traceId = jaegerTraceId(p.traceId);
    if (traceId === undefined) throw badRequest(`unable to parse param 'traceID': '${p.traceId}' is not a hex trace id`);
    // start/end are hints only: Jaeger UI sends microseconds, Grafana milliseconds. They are
    // checked to be integers, as Jaeger does, and not used to narrow the lookup.
    bigIntParam(url, 'start');
    bigIntParam(url, 'end');
    const raw = boolParam(url, 'raw') ?? false;
    const [trace] = await ctx.reader.getTraces([traceId]);
    if (!trace) throw new TracelightError(QueryErrorCode.NOT_FOUND, 'trace not found');
    return jsonResponse(200, envelope(jaegerTraces(ctx, [trace], raw)));
  });

  router.get('/api/traces', async ({ url }) => {
    const raw = boolParam(url, 'raw') ?? false;
    const idTexts = params(url, 'traceID');
    if (idTexts.length > 0) {
      const ids = idTexts.map((text) => {
        const id = jaegerTraceId(text);
        if (id === undefined) throw badRequest(`cannot parse traceID param: '${text}' is not a hex trace id`);
        return id;
      });
      const unique = [...new Set(ids)];
      const found = new Map((await ctx.reader.getTraces(unique)).map((t) => [t.traceId, t]));
      const errors: JaegerError[] = unique.filter((id) => !found.has(id)).map((id) => ({ msg: 'trace not found', traceID: id }));
      const traces = unique.flatMap((id) => found.get(id) ?? []);
      return jsonResponse(200, envelope(jaegerTraces(ctx, traces, raw), 0, errors.length > 0 ? errors : null));
    }

    const serviceName = param(url, 'service');
    if (serviceName === undefined) throw badRequest("parameter 'service' is required");
    const conditions: Expr[] = [eq('service', serviceName)];
    const operation = param(url, 'operation');
    if (operation !== undefined) conditions.push(eq('name', operation));
    for (const [k, v] of parseTagParams(url.searchParams.getAll('tag'), url.searchParams.getAll('tags'))) conditions.push(tagCondition(k, v));
    const minDuration = goDurationParam(url, 'minDuration');
    const maxDuration = goDurationParam(url, 'maxDuration');
    if (minDuration && maxDuration && maxDuration < minDuration) throw badRequest("'maxDuration' should be greater than 'minDuration'");
    if (minDuration) conditions.push(duration('>=', minDuration));
    if (maxDuration) conditions.push(duration('<=', maxDuration));
    const end = epochParam(url, 'end', US) ?? ctx.now();
    let start = epochParam(url, 'start', US);
    if (start === undefined) {
      // Jaeger UI sends lookback too ('1h', '2d', 'custom'); start wins when both are given.
      const lookbackText = param(url, 'lookback');
      const lookback = lookbackText !== undefined && lookbackText !== 'custom' ? goDurationParam(url, 'lookback', { allowDays: true }) : undefined;
      start = end - (lookback ?? DEFAULT_SEARCH_LOOKBACK);
    }
    if (start > end) throw badRequest("'start' is after 'end'");
    const limit = intParam(url, 'limit', { min: 0, max: MAX_TRACE_LIMIT }) || DEFAULT_SEARCH_LIMIT;

    const plan = planSearch(conditions.length === 1 ? conditions[0] : { op: 'and', args: conditions });
    const match = await findMatchingTraces(ctx.reader, plan, { startTimeMinUnixNano: start, startTimeMaxUnixNano: end, limit, scanLimit: ctx.searchScanLimit });
    return jsonResponse(200, envelope(jaegerTraces(ctx, await matchedTraces(ctx.reader, match), raw)));
  });

  router.post('/api/transform', async ({ request }) => {
    const decoded = decodeTraceRequest(await readBody(request, ctx.maxUploadBytes), 'json');
    const byTrace = new Map<string, Span[]>();
    for (const span of spansOf(decoded.batch)) {
      const list = byTrace.get(span.traceId);
      if (list) list.push(span);
      else byTrace.set(span.traceId, [span]);
    }
    const traces = [...byTrace].map(([traceId, spans]) => ({ traceId, spans }));
    return jsonResponse(200, envelope(jaegerTraces(ctx, traces, true)));
  });

  router.get('/api/dependencies', async ({ url }) => {
    requireCapability(ctx, 'dependencies');
    const end = epochParam(url, 'endTs', MS) ?? ctx.now();
    const lookbackMs = bigIntParam(url, 'lookback');
    if (lookbackMs !== undefined && lookbackMs < 0n) throw badRequest("unable to parse param 'lookback': negative");
    const lookback = lookbackMs === undefined ? DEFAULT_DEPENDENCY_LOOKBACK : lookbackMs * MS;
    const service = param(url, 'service');
    const links = await ctx.reader.getDependencies({ startTimeUnixNano: end - lookback, endTimeUnixNano: end });
    const data: JaegerDependencyLink[] = links
      .filter((l) => service === undefined || l.parent === service || l.child === service)
      .map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount }));
    return jsonResponse(200, envelope(data));
  });

  router.get('/api/metrics/:kind', async ({ url, params: p }) => {
    if (p.kind === 'minstep') return jsonResponse(200, envelope(1));
    if (p.kind !== 'latencies' && p.kind !== 'calls' && p.kind !== 'errors') {
      throw new TracelightError(QueryErrorCode.NOT_FOUND, `no metric '${p.kind}' (latencies, calls, errors, minstep)`);
    }
    requireCapability(ctx, 'metrics');
    const serviceNames = params(url, 'service');
    if (serviceNames.length === 0) throw badRequest("unable to parse param 'service': please provide at least one service name");
    let quantile = 0.5;
    if (p.kind === 'latencies') {
      const text = param(url, 'quantile') ?? '';
      quantile = Number(text);
      if (text.trim() === '' || !(quantile > 0 && quantile <= 1)) throw badRequest(`unable to parse param 'quantile': must be a number in (0, 1], got ${JSON.stringify(text)}`);
    }
    const kinds = params(url, 'spanKind');
    const spanKinds = (kinds.length > 0 ? kinds : ['SPAN_KIND_SERVER']).map((k) => {
      const kind = parseKind(k);
      if (kind === undefined) throw badRequest(`unable to parse param 'spanKind': unsupported span kind: '${k}'`);
      return kind;
    });
    const msParam = (name: string, fallback: bigint) => {
      const v = bigIntParam(url, name);
      if (v !== undefined && v <= 0n) throw badRequest(`unable to parse param '${name}': must be positive`);
      return v === undefined ? fallback : v * MS;
    };
    const family = await jaegerMetrics(ctx.reader, {
      kind: p.kind as MetricKind,
      serviceNames,
      spanKinds,
      groupByOperation: boolParam(url, 'groupByOperation') ?? false,
      quantile,
      endTimeUnixNano: epochParam(url, 'endTs', MS) ?? ctx.now(),
      lookbackNano: msParam('lookback', DEFAULT_METRICS_LOOKBACK),
      stepNano: msParam('step', DEFAULT_METRICS_STEP),
      ratePerNano: msParam('ratePer', DEFAULT_METRICS_RATE_PER),
    });
    return jsonResponse(200, family);
  });

  router.get('/api/sampling', async ({ url }) => {
    const services = params(url, 'service');
    if (services.length !== 1) throw badRequest("'service' parameter must be provided once");
    return jsonResponse(200, await ctx.samplingStrategy(services[0]));
  });
}
