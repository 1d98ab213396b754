import { RPCType } from '@opentelemetry/core';
import type { IncomingMessage } from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import type { WithRpcMetadata } from './server-hooks.js';
import { kRpcMetadata } from './server-hooks.js';

/**
 * Fastify (v4.x/v5) publishes every new instance on the `fastify.initialization` diagnostics
 * channel. The kit then adds an `onRoute` hook (official API: it may change a route's options)
 * that wraps each route handler, so the HTTP server span gets the route template
 * (`GET /bands/:id`) and the handler's errors. For an unsampled request the wrapper is one
 * property read and a call: no store objects, no per-request diagnostics-channel events, which
 * Fastify only builds when its `tracing:fastify.request.handler` channels have subscribers.
 * Instances created before tracing started are not seen (start tracing first, as
 * `--import @tracelight/instrument/register` does).
 */

interface FastifyRequestLike {
  raw?: IncomingMessage & WithRpcMetadata;
}
type Handler = (this: unknown, request: FastifyRequestLike, reply: unknown) => unknown;
interface RouteOptionsLike {
  url?: string;
  handler?: Handler;
}
interface FastifyLike {
  addHook(name: 'onRoute', hook: (route: RouteOptionsLike) => void): unknown;
}

const INITIALIZATION = 'fastify.initialization';
const kWrapped = Symbol('tracelight.fastify-handler');

function recordError(span: { recordException(e: Error | string): void }, err: unknown): void {
  try {
    // The status (error only for 5xx) is set by the HTTP server span when the response ends.
    span.recordException(err instanceof Error ? err : String(err));
  } catch {
    // instrumentation never throws into the application
  }
}

function wrap(handler: Handler, url: string): Handler {
  const traced: Handler & { [kWrapped]?: true } = function (this: unknown, request, reply) {
    const rpc = request?.raw?.[kRpcMetadata];
    if (rpc === undefined || rpc.type !== RPCType.HTTP || !rpc.span.isRecording()) return handler.call(this, request, reply);
    rpc.route = url;
    let result: unknown;
    try {
      result = handler.call(this, request, reply);
    } catch (err) {
      recordError(rpc.span, err);
      throw err;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => recordError(rpc.span, err));
    }
    return result;
  };
  traced[kWrapped] = true;
  return traced;
}

function onRoute(route: RouteOptionsLike): void {
  try {
    const handler = route.handler;
    if (typeof handler !== 'function' || typeof route.url !== 'string' || (handler as { [kWrapped]?: true })[kWrapped]) return;
    route.handler = wrap(handler, route.url);
  } catch {
    // never break route registration
  }
}

function onInitialization(message: unknown): void {
  try {
    const fastify = (message as { fastify?: FastifyLike }).fastify;
    if (enabled && typeof fastify?.addHook === 'function') fastify.addHook('onRoute', onRoute);
  } catch {
    // never break the application's start
  }
}

let enabled = false;

/** Watches for new Fastify instances; returns a function that stops (routes already wrapped stay). */
export function enableFastifyRoutes(): () => void {
  if (!enabled) {
    diagnostics.subscribe(INITIALIZATION, onInitialization);
    enabled = true;
  }
  return () => {
    if (!enabled) return;
    diagnostics.unsubscribe(INITIALIZATION, onInitialization);
    enabled = false;
  };
}
