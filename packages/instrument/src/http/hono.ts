import type { Span } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Context, MiddlewareHandler } from 'hono';
import { formatTraceparent } from '../propagation/traceparent.js';
import { TRACERESPONSE_HEADER } from './server-hooks.js';

/**
 * After `next()`, `routeIndex` points at the last handler that ran: the route that answered, or,
 * when nothing matched (404), the last wildcard middleware, which names no route.
 */
function answeredRoute(c: Context, own: number): string | undefined {
  if (c.req.routeIndex === own) return undefined;
  const path = c.req.routePath;
  if (c.res.status === 404 && (path === '*' || path.endsWith('/*'))) return undefined;
  return path;
}

export interface HonoTracingOptions {
  /** Send `traceresponse` when this middleware makes the span itself (default true). */
  traceResponseHeader?: boolean;
}

const headerGetter = {
  keys: (h: Headers) => [...h.keys()],
  get: (h: Headers, key: string) => h.get(key) ?? undefined,
};

/**
 * Hono has no OpenTelemetry instrumentation of its own. Put this middleware first:
 * `app.use(tracelight())`. Under Node (with `@hono/node-server` and the kit's HTTP
 * instrumentation) it only gives the existing server span its route template
 * (`GET /bands/:id`, from the handler that answered). Anywhere else (`app.request()` in tests,
 * other runtimes) it makes the server span itself, continuing the caller's trace.
 */
export function tracelight(options: HonoTracingOptions = {}): MiddlewareHandler {
  const sendTraceResponse = options.traceResponseHeader ?? true;
  return async function tracelightMiddleware(c, next) {
    const own = c.req.routeIndex;
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP) {
      try {
        await next();
      } finally {
        const route = answeredRoute(c, own);
        if (route !== undefined) rpc.route = route;
      }
      return;
    }

    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const url = new URL(c.req.url);
    const method = c.req.method;
    const span: Span = trace.getTracer('@tracelight/instrument/hono').startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: url.pathname,
          [ATTR_URL_SCHEME]: url.protocol.replace(':', ''),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw err;
    }
    try {
      const route = answeredRoute(c, own);
      if (route !== undefined) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${method} ${route}`);
      }
      const status = c.res.status;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (c.error) span.recordException(c.error);
      if (sendTraceResponse) {
        const sc = span.spanContext();
        c.res.headers.set(TRACERESPONSE_HEADER, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
      }
    } catch {
      // never throw into the application
    } finally {
      span.end();
    }
  };
}
