import { TracelightError } from '@tracelight/core';
import type { StoreCapabilities, StoreReader } from '@tracelight/store';
import type { ApiErrorBody, SamplingStrategyResponse } from './api-types.js';
import { registerApiV3 } from './internal/api-v3.js';
import { registerTracelightApi } from './internal/api-tl.js';
import type { ApiContext } from './internal/context.js';
import { jsonResponse, QueryErrorCode, statusOf } from './internal/http.js';
import { jaegerErrorResponse, registerJaegerApi } from './internal/jaeger/api.js';
import { Router } from './internal/router.js';

/** A Web-standard fetch handler: what `createFetchServer` (or any runtime) serves. */
export type FetchHandler = (request: Request) => Promise<Response>;

export interface QueryHandlerOptions {
  /** Where traces are read from: a Store, or any StoreReader (with `capabilities` when it has some off). */
  readonly store: StoreReader & { readonly capabilities?: StoreCapabilities };
  /**
   * Largest clock-skew correction applied to a span, in nanoseconds; larger ones are only noted
   * in the span's warnings. Default 1 hour. 0 turns adjustment off (each skew is then noted).
   */
  readonly maxClockSkewAdjustNano?: bigint;
  /**
   * When a search needs checks the store cannot make (OR, NOT, numeric comparisons, presence,
   * sorting by duration…): how many candidate traces one search examines at most. Default 1000.
   */
  readonly searchScanLimit?: number;
  /** Largest body of a trace upload or /api/transform, in bytes. Default 64 MiB. */
  readonly maxUploadBytes?: number;
  /**
   * The strategy `GET /api/sampling?service=` answers. Default: DEFAULT_SAMPLING_STRATEGY for
   * every service (until the collector's sampling configuration provides one).
   */
  readonly samplingStrategy?: (service: string) => SamplingStrategyResponse | Promise<SamplingStrategyResponse>;
  /**
   * Answers every request outside /api (e.g. `createStaticHandler` for the UI). Without it those
   * get a 404.
   */
  readonly fallback?: FetchHandler;
  /** Told about every 500 answer (the handler itself never logs). */
  readonly onInternalError?: (error: unknown, request: Request) => void;
  /** "Now" in nanoseconds since the epoch, for default time ranges. Default: the system clock. */
  readonly now?: () => bigint;
}

export interface QueryHandlerStats {
  readonly requests: number;
  /** Answers with a 4xx status (bad parameters, unknown traces, …). */
  readonly clientErrors: number;
  /** Answers with a 5xx status. */
  readonly serverErrors: number;
}

/** The handler, callable as a FetchHandler, with counters of what it answered. */
export interface QueryHandler extends FetchHandler {
  stats(): QueryHandlerStats;
}

/** Sample everything: right for a laptop, and what a new collector answers until configured. */
export const DEFAULT_SAMPLING_STRATEGY: SamplingStrategyResponse = Object.freeze({
  strategyType: 'PROBABILISTIC',
  probabilisticSampling: Object.freeze({ samplingRate: 1 }),
});

const HOUR_NANOS = 3_600_000_000_000n;

function nowNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

type Family = 'jaeger' | 'api' | 'other';

function familyOf(pathname: string): Family {
  if (pathname.startsWith('/api/v3/') || pathname.startsWith('/api/tl/') || pathname === '/api/v3' || pathname === '/api/tl') return 'api';
  if (pathname.startsWith('/api/') || pathname === '/api') return 'jaeger';
  return 'other';
}

function errorResponse(family: Family, err: TracelightError, extraHeaders: Record<string, string> = {}): Response {
  if (family === 'jaeger') {
    const res = jaegerErrorResponse(err);
    for (const [k, v] of Object.entries(extraHeaders)) res.headers.set(k, v);
    return res;
  }
  const status = statusOf(err);
  const body: ApiErrorBody = { error: { httpCode: status, code: err.code, message: err.message } };
  const headers = { ...extraHeaders };
  if (err.retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(err.retryAfterMs / 1000));
  return jsonResponse(status, body, headers);
}

/**
 * The query API as a fetch handler: Jaeger's `/api` (for Jaeger UI and Grafana), Jaeger's
 * `/api/v3`, and Tracelight's `/api/tl`; everything else goes to `fallback`. Errors are answered,
 * never thrown: 400 bad parameters, 404 unknown trace or route, 405 wrong method, 413 body too
 * large, 501 not supported by the store, 503 store busy or closed, 500 otherwise.
 */
export function createQueryHandler(options: QueryHandlerOptions): QueryHandler {
  const ctx: ApiContext = {
    reader: options.store,
    capabilities: options.store.capabilities,
    maxClockSkewAdjustNano: options.maxClockSkewAdjustNano ?? HOUR_NANOS,
    searchScanLimit: options.searchScanLimit ?? 1000,
    maxUploadBytes: options.maxUploadBytes ?? 64 * 1024 * 1024,
    samplingStrategy: options.samplingStrategy ?? (() => DEFAULT_SAMPLING_STRATEGY),
    now: options.now ?? nowNanos,
  };
  if (ctx.maxClockSkewAdjustNano < 0n) throw new RangeError('maxClockSkewAdjustNano must not be negative');
  if (!Number.isInteger(ctx.searchScanLimit) || ctx.searchScanLimit <= 0) throw new RangeError('searchScanLimit must be a positive integer');
  if (!Number.isInteger(ctx.maxUploadBytes) || ctx.maxUploadBytes <= 0) throw new RangeError('maxUploadBytes must be a positive integer');
  const router = new Router();
  registerJaegerApi(router, ctx);
  registerApiV3(router, ctx);
  registerTracelightApi(router, ctx);

  let requests = 0;
  let clientErrors = 0;
  let serverErrors = 0;

  const respond = async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse('other', new TracelightError(QueryErrorCode.BAD_REQUEST, 'malformed request URL'));
    }
    const family = familyOf(url.pathname);
    try {
      if (family === 'other') {
        if (options.fallback) return await options.fallback(request);
        return errorResponse(family, new TracelightError(QueryErrorCode.NOT_FOUND, `no such path: ${url.pathname}`));
      }
      const match = router.match(request.method, url.pathname);
      if (match.kind === 'none') return errorResponse(family, new TracelightError(QueryErrorCode.NOT_FOUND, `no such endpoint: ${url.pathname}`));
      if (match.kind === 'method-not-allowed') {
        return errorResponse(family, new TracelightError(QueryErrorCode.METHOD_NOT_ALLOWED, `use ${match.allow.join(' or ')} for ${url.pathname}`), {
          allow: match.allow.join(', '),
        });
      }
      return await match.handler({ request, url, params: match.params });
    } catch (err) {
      if (err instanceof TracelightError) {
        if (statusOf(err) >= 500) options.onInternalError?.(err, request);
        return errorResponse(family, err);
      }
      // A bug or an unexpected failure: say little (no internals leak to clients), tell the host.
      options.onInternalError?.(err, request);
      return errorResponse(family, new TracelightError(QueryErrorCode.INTERNAL, 'internal error'));
    }
  };

  const handler = async (request: Request): Promise<Response> => {
    const response = await respond(request);
    requests++;
    if (response.status >= 500) serverErrors++;
    else if (response.status >= 400) clientErrors++;
    return response;
  };
  return Object.assign(handler, {
    stats: (): QueryHandlerStats => ({ requests, clientErrors, serverErrors }),
  });
}
