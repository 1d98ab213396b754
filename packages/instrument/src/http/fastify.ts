import { RPCType } from '@opentelemetry/core';
import type { IncomingMessage } from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import { rpcMetadataOf } from './server-hooks.js';

/**
 * Fastify (v5) publishes `tracing:fastify.request.handler:*` on `node:diagnostics_channel` with
 * the matched route. We use it to give the HTTP server span its route template
 * (`GET /bands/:id`) and to record handler errors on it: no monkey patching, no per-hook spans,
 * and it works the same for ESM and CommonJS apps.
 */

interface FastifyHandlerMessage {
  request?: { raw?: IncomingMessage };
  route?: { url?: string; method?: string };
  error?: unknown;
}

const START = 'tracing:fastify.request.handler:start';
const ERROR = 'tracing:fastify.request.handler:error';

function onStart(message: unknown): void {
  try {
    const msg = message as FastifyHandlerMessage;
    const url = msg.route?.url;
    if (typeof url !== 'string') return;
    const rpc = rpcMetadataOf(msg.request?.raw);
    if (rpc?.type === RPCType.HTTP) rpc.route = url;
  } catch {
    // instrumentation never throws into the application
  }
}

function onError(message: unknown): void {
  try {
    const msg = message as FastifyHandlerMessage;
    const rpc = rpcMetadataOf(msg.request?.raw);
    if (rpc?.type !== RPCType.HTTP || !rpc.span.isRecording()) return;
    const err = msg.error;
    if (err instanceof Error) rpc.span.recordException(err);
    else rpc.span.recordException(String(err));
    // The status (error only for 5xx) is set by the HTTP instrumentation when the response ends.
  } catch {
    // never throw into the application
  }
}

let subscribed = false;

/** Subscribes once per process; returns a function that unsubscribes. */
export function enableFastifyRoutes(): () => void {
  if (!subscribed) {
    diagnostics.subscribe(START, onStart);
    diagnostics.subscribe(ERROR, onError);
    subscribed = true;
  }
  return () => {
    if (!subscribed) return;
    diagnostics.unsubscribe(START, onStart);
    diagnostics.unsubscribe(ERROR, onError);
    subscribed = false;
  };
}
