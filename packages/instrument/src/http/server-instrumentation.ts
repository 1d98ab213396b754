import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import { isTracingSuppressed, RPCType, setRPCMetadata } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { chainContext } from '../internal/chain-context.js';
import type { ContextEntry } from '../internal/context-manager.js';
import { cachePeerAddress } from '../internal/socket-peer.js';
import { setKnownAttribute, setKnownAttributes } from '../internal/span-attributes.js';
import type { SpanStarter } from '../internal/span-starter.js';
import type { WithResponseSpanContext } from './response-headers.js';
import { enableResponseHeaders, setResponseSpanContext } from './response-headers.js';
import { kRpcMetadata } from './server-hooks.js';

/**
 * The kit's own server span for `node:http` / `node:https` (which every Node framework sits on),
 * in place of `@opentelemetry/instrumentation-http`'s incoming side: the same semantic
 * conventions for the attributes it sets, but it computes them only for recorded spans, keeps no
 * metrics, and sends `traceresponse`. Frameworks name the span by setting the RPC metadata's
 * `route` (Express' official instrumentation, the kit's Fastify and Hono support).
 * Outgoing `node:http` requests stay with `@opentelemetry/instrumentation-http`.
 */

export interface HttpServerTracingOptions {
  /** Starts the server span (sampling first, unsampled spans without the SDK). */
  spanStarter: SpanStarter;
  /** Send `traceresponse` (default true). */
  traceResponseHeader: boolean;
  /** Also send the trace id alone in this header (e.g. `x-trace-id`). */
  traceIdHeader?: string;
  /** Makes the context entry each server's requests are handled through (the kit's context manager's `entry`). */
  contextEntry: () => ContextEntry;
}

const KNOWN_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY', '_OTHER'];
// The start attributes (what samplers see) per method, made once: the SDK copies what it keeps.
const START_ATTRIBUTES = new Map<string, Attributes>(KNOWN_METHODS.map((m) => [m, Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: m })]));
const kOriginalEmit = Symbol.for('tracelight.http-server.original-emit');

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Proto = { emit: Emit; [kOriginalEmit]?: Emit };

function recordRequestAttributes(span: Span, req: IncomingMessage, scheme: string, method: string): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const attrs: Attributes = {
    [ATTR_URL_PATH]: q === -1 ? url : url.slice(0, q),
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (method === '_OTHER') attrs[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = req.method ?? '';
  const host = req.headers.host;
  if (host) {
    const colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']', colon) === -1) {
      attrs[ATTR_SERVER_ADDRESS] = host.slice(0, colon);
      const port = Number(host.slice(colon + 1));
      if (Number.isInteger(port)) attrs[ATTR_SERVER_PORT] = port;
    } else {
      attrs[ATTR_SERVER_ADDRESS] = host;
    }
  }
  const ua = req.headers['user-agent'];
  if (ua) attrs[ATTR_USER_AGENT_ORIGINAL] = ua;
  const peer = req.socket?.remoteAddress;
  if (peer) attrs[ATTR_NETWORK_PEER_ADDRESS] = peer;
  setKnownAttributes(span, attrs);
}

function finish(span: Span, res: ServerResponse, rpc: RPCMetadata, method: string): void {
  try {
    const status = res.statusCode;
    setKnownAttribute(span, ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (rpc.type === RPCType.HTTP && rpc.route) {
      if (typeof rpc.route === 'string') setKnownAttribute(span, ATTR_HTTP_ROUTE, rpc.route);
      else span.setAttribute(ATTR_HTTP_ROUTE, rpc.route);
      span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${rpc.route}`);
    }
    if (status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      setKnownAttribute(span, ATTR_ERROR_TYPE, String(status));
    } else if (!res.writableFinished) {
      // The connection closed before the response was complete.
      setKnownAttribute(span, ATTR_ERROR_TYPE, 'aborted');
    }
  } finally {
    span.end();
  }
}

interface RecordedRequest {
  span: Span;
  rpc: RPCMetadata;
  method: string;
}
const kRecorded = Symbol('tracelight.http-server.recorded');
type TracedResponse = ServerResponse & WithResponseSpanContext & { [kRecorded]?: RecordedRequest; req?: TracedRequest };

/**
 * The RPC metadata the kit hangs on the request (frameworks set `route` on it), also carrying the
 * request's context for the request's and response's event listeners.
 */
interface ServerRpc extends RPCMetadata {
  context: Context | undefined;
}
type TracedRequest = IncomingMessage & { [kRpcMetadata]?: RPCMetadata & { context?: Context } };

/**
 * Ends a response's recorded span when the response emits 'close', from the wrapped
 * `ServerResponse.prototype.emit` (bindRequestEvents), before any listener runs. Not a 'close'
 * listener per recorded response: that gave the 1% of responses that are sampled their own
 * `_events` and hidden class, and Node's code handling every response paid for the difference.
 */
function endRecorded(res: TracedResponse): void {
  const recorded = res[kRecorded];
  if (recorded === undefined) return;
  res[kRecorded] = undefined;
  finish(recorded.span, res, recorded.rpc, recorded.method);
}

// Extracted contexts and everything derived from them are chain links, not Map copies.
const CHAIN_ROOT = chainContext(ROOT_CONTEXT);

/**
 * Starts the server span and returns the request's context. Non-recorded spans (the unsampled
 * ones) get no attributes and no listener: only what propagation and `traceresponse` need.
 */
function startServerSpan(
  tracer: Tracer,
  req: TracedRequest,
  res: TracedResponse,
  scheme: string,
  options: HttpServerTracingOptions,
): Context | undefined {
  try {
    const raw = req.method ?? 'GET';
    const method = raw !== '_OTHER' && START_ATTRIBUTES.has(raw) ? raw : '_OTHER';
    const parent = propagation.extract(CHAIN_ROOT, req.headers);
    const span = options.spanStarter.startSpan(
      tracer,
      method === '_OTHER' ? 'HTTP' : method,
      SpanKind.SERVER,
      START_ATTRIBUTES.get(method)!,
      parent,
    );
    const rpc: ServerRpc = { type: RPCType.HTTP, span, route: undefined, context: undefined };
    const ctx = setRPCMetadata(trace.setSpan(parent, span), rpc);
    // Body 'data'/'end' (and response) listeners run in the connection's context: the patched
    // emit of requests and responses (bindRequestEvents) enters this one.
    rpc.context = ctx;
    req[kRpcMetadata] = rpc;
    if (options.traceResponseHeader || options.traceIdHeader) setResponseSpanContext(res, span.spanContext());
    // Set on every response, recorded or not, so that all responses keep one hidden class.
    if (span.isRecording()) {
      recordRequestAttributes(span, req, scheme, method);
      res[kRecorded] = { span, rpc, method };
    } else {
      res[kRecorded] = undefined;
    }
    return ctx;
  } catch {
    // instrumentation never breaks the server
    return undefined;
  }
}

type EventsOwner = { _events?: Record<string | symbol, unknown> };

/**
 * Every listener of a traced request or response runs in the request's context, like
 * `context.bind(ctx, req)` but without changing each request and response object (a bound
 * emitter gets its own `emit` and two more properties, i.e. new hidden classes for every object
 * Node's HTTP code handles): `IncomingMessage.prototype.emit` and `ServerResponse.prototype.emit`
 * are wrapped once and find the context through the request's RPC metadata (a response through
 * `res.req`). Objects that are not traced requests (client responses, untraced servers) pay one
 * property read. A response's 'close' also ends its recorded span (endRecorded).
 */
function bindRequestEvents(): () => void {
  const patched: Array<() => void> = [];
  const wrap = (proto: { emit: Emit }, requestOf: (self: unknown) => TracedRequest | undefined, onClose?: (self: unknown) => void) => {
    const hadOwn = Object.prototype.hasOwnProperty.call(proto, 'emit');
    const original = proto.emit;
    const emit = function (this: EventsOwner, event: string | symbol): boolean {
      if (event === 'close' && onClose !== undefined) onClose(this);
      const ctx = requestOf(this)?.[kRpcMetadata]?.context;
      const events = this._events;
      // No listener for this event: nothing runs, so no context to enter ('error' still throws).
      if (ctx === undefined || (events !== undefined && events[event] === undefined) || context.active() === ctx) {
        // eslint-disable-next-line prefer-rest-params
        return Reflect.apply(original, this, arguments) as boolean;
      }
      // eslint-disable-next-line prefer-rest-params
      return context.with(ctx, Reflect.apply, undefined, original, this, arguments) as boolean;
    } as Emit;
    proto.emit = emit;
    patched.push(() => {
      if (proto.emit !== emit) return;
      if (hadOwn) proto.emit = original;
      else delete (proto as Partial<{ emit: Emit }>).emit;
    });
  };
  wrap(http.IncomingMessage.prototype as unknown as { emit: Emit }, (self) => self as TracedRequest);
  wrap(
    http.ServerResponse.prototype as unknown as { emit: Emit },
    (self) => (self as TracedResponse).req,
    (self) => endRecorded(self as TracedResponse),
  );
  return () => {
    for (const undo of patched) undo();
  };
}

function patch(proto: Proto, scheme: string, options: HttpServerTracingOptions): () => void {
  if (proto[kOriginalEmit]) return () => {};
  const hadOwn = Object.prototype.hasOwnProperty.call(proto, 'emit');
  const original = proto.emit;
  const tracer = trace.getTracer('@tracelight/instrument/http');
  const newEntry = options.contextEntry;
  // Per patch: a server outliving a shutdown must not keep an entry of the old context manager.
  const kEntry = Symbol('tracelight.http-server.context-entry');
  const emit = function (this: { [kEntry]?: ContextEntry }, event: string | symbol, req?: unknown, res?: unknown): boolean {
    if (event === 'connection' || event === 'secureConnection') cachePeerAddress(req);
    // eslint-disable-next-line prefer-rest-params
    if (event !== 'request' || isTracingSuppressed(context.active())) return Reflect.apply(original, this, arguments) as boolean;
    const request = req as TracedRequest;
    const ctx = startServerSpan(tracer, request, res as TracedResponse, scheme, options);
    // eslint-disable-next-line prefer-rest-params
    if (ctx === undefined) return Reflect.apply(original, this, arguments) as boolean;
    try {
      // One entry per server, made at its first request: a server's 'request' events all come
      // from its connections' parsers, which run in the frame the server accepted them in.
      // eslint-disable-next-line prefer-rest-params
      return (this[kEntry] ??= newEntry()).run(ctx, original, this, arguments);
    } catch (err) {
      const span = request[kRpcMetadata]?.span;
      span?.recordException(err instanceof Error ? err : String(err));
      span?.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    }
  } as Emit;
  proto.emit = emit;
  Object.defineProperty(proto, kOriginalEmit, { value: original, configurable: true });
  return () => {
    if (proto.emit !== emit) return;
    if (hadOwn) proto.emit = original;
    else delete (proto as Partial<Proto>).emit;
    delete proto[kOriginalEmit];
  };
}

/** Starts tracing incoming requests of every `node:http` and `node:https` server; returns the undo. */
export function enableHttpServerTracing(options: HttpServerTracingOptions): () => void {
  if ((http.Server.prototype as unknown as Proto)[kOriginalEmit]) return () => {};
  const undo = [
    patch(http.Server.prototype as unknown as Proto, 'http', options),
    patch(https.Server.prototype as unknown as Proto, 'https', options),
    bindRequestEvents(),
    enableResponseHeaders(options),
  ];
  return () => {
    for (const u of undo) u();
  };
}
