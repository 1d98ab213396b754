import type { Attributes, Span, TextMapSetter, Tracer } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import diagnostics from 'node:diagnostics_channel';
import { cachePeerAddress } from '../internal/socket-peer.js';
import { setKnownAttribute, setKnownAttributes } from '../internal/span-attributes.js';
import type { SpanStarter } from '../internal/span-starter.js';

/**
 * CLIENT spans for `fetch` and undici, from undici's diagnostics channels, in place of
 * `@opentelemetry/instrumentation-undici`: the same span (name, kind, the semantic-convention
 * attributes it sets, error status from 400, exceptions) and the same header injection, but an
 * unsampled request only gets its `traceparent`/`tracestate` injected: no URL parsing, no
 * attribute objects, no header map, no per-request record in a WeakMap (the span hangs on
 * undici's request object, and only when it records), and no client duration metric (the kit
 * sets no meter provider, so that metric went nowhere). Samplers see `http.request.method` at
 * span start; the URL attributes are added once the span is known to record.
 */

interface UndiciRequest {
  origin: string | URL;
  path: string;
  method: string;
  headers: string | string[];
  addHeader?(name: string, value: string): unknown;
}
type Traced = UndiciRequest & { [kSpan]?: Span };
interface UndiciSocket {
  remoteAddress?: string;
  remotePort?: number;
  alpnProtocol?: string | false;
}
interface UndiciResponse {
  statusCode: number;
}

const kSpan = Symbol('tracelight.undici-span');
const METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY', '_OTHER'];
const START_ATTRIBUTES = new Map<string, Attributes>(METHODS.map((m) => [m, Object.freeze({ [ATTR_HTTP_REQUEST_METHOD]: m })]));
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

const setter: TextMapSetter<UndiciRequest> = {
  set(request, key, value) {
    if (typeof request.addHeader === 'function') request.addHeader(key, value);
    else if (typeof request.headers === 'string') request.headers += `${key}: ${value}\r\n`;
    else if (Array.isArray(request.headers)) request.headers.push(key, value);
  },
};

function userAgentOf(headers: string | string[]): string | undefined {
  let found: string | undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length - 1; i += 2) {
      const name = String(headers[i]);
      if (name.length === 10 && name.toLowerCase() === 'user-agent') found = String(headers[i + 1]);
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'user-agent') found = line.slice(colon + 1).trim();
    }
  }
  return found;
}

/** The URL parts a client span records (as the WHATWG URL parser gives them). */
export interface UrlParts {
  full: string;
  path: string;
  query: string;
  scheme: string;
  host: string;
  port: number | undefined;
}

// `http(s)://host[:port]` with a host the parser keeps as is (lower-case name whose labels start
// with a letter, or a dotted-quad IPv4 address without leading zeros) and an explicit port.
const LABEL = '[a-z](?:[a-z0-9-]*[a-z0-9])?';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const SIMPLE_ORIGIN = new RegExp(`^(https?)://(${LABEL}(?:\\.${LABEL})*|${OCTET}(?:\\.${OCTET}){3})(?::([1-9][0-9]{0,4}))?$`);
// A path the parser leaves as it is: no dot segments, nothing it would percent-encode or cut.
const SIMPLE_PATH = /^\/(?!.*\/\.)[A-Za-z0-9\-._~!$&()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?$/;

/**
 * `new URL(path, origin)`'s parts without the parser for the usual request (an origin string
 * like `http://127.0.0.1:8080`, a plain path): parsing costs about half a microsecond per
 * request; anything unusual (IPv6, upper case, default port, dot segments, characters the parser
 * would encode) still goes through `URL`. Undefined when the URL does not parse.
 */
export function urlParts(origin: string | URL, path: string): UrlParts | undefined {
  if (typeof origin === 'string' && SIMPLE_PATH.test(path)) {
    const m = SIMPLE_ORIGIN.exec(origin);
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    if (m !== null && (port === undefined || (port <= 65535 && port !== DEFAULT_PORTS[m[1]]))) {
      const q = path.indexOf('?');
      return {
        full: origin + path,
        path: q === -1 ? path : path.slice(0, q),
        query: q === -1 || q === path.length - 1 ? '' : path.slice(q),
        scheme: m[1],
        host: m[2],
        port: port ?? DEFAULT_PORTS[m[1]],
      };
    }
  }
  let url: URL;
  try {
    url = new URL(path, origin);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(':', '');
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  return {
    full: url.toString(),
    path: url.pathname,
    query: url.search,
    scheme,
    host: url.hostname,
    port: port !== undefined && !Number.isNaN(port) ? port : undefined,
  };
}

/** What instrumentation-undici records at request creation, computed only for recorded spans. */
function requestAttributes(request: UndiciRequest, method: string): Attributes | undefined {
  const url = urlParts(request.origin, request.path);
  if (url === undefined) return undefined;
  const attrs: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: request.method,
    [ATTR_URL_FULL]: url.full,
    [ATTR_URL_PATH]: url.path,
    [ATTR_URL_QUERY]: url.query,
    [ATTR_URL_SCHEME]: url.scheme,
    [ATTR_SERVER_ADDRESS]: url.host,
  };
  if (url.port !== undefined) attrs[ATTR_SERVER_PORT] = url.port;
  const ua = userAgentOf(request.headers);
  if (ua !== undefined) attrs[ATTR_USER_AGENT_ORIGINAL] = ua;
  if (method !== '_OTHER') delete attrs[ATTR_HTTP_REQUEST_METHOD_ORIGINAL];
  return attrs;
}

function take(request: Traced): Span | undefined {
  const span = request[kSpan];
  if (span !== undefined) request[kSpan] = undefined;
  return span;
}

export interface UndiciClientTracingOptions {
  spanStarter: SpanStarter;
}

/** Subscribes to undici's request channels (fetch and the undici package alike); returns the undo. */
export function enableUndiciClientTracing(options: UndiciClientTracingOptions): () => void {
  const tracer: Tracer = trace.getTracer('@tracelight/instrument/undici');
  const { spanStarter } = options;

  const onCreate = (message: unknown): void => {
    try {
      const request = (message as { request: Traced }).request;
      // Every request gets the property, recorded or not: had only the sampled ones had it,
      // undici's code would see two shapes of Request and deoptimise whenever a new mix came.
      request[kSpan] = undefined;
      if (request.method === 'CONNECT') return;
      const active = context.active();
      if (isTracingSuppressed(active)) return;
      const upper = request.method.toUpperCase();
      const method = upper !== '_OTHER' && START_ATTRIBUTES.has(upper) ? upper : '_OTHER';
      const span = spanStarter.startSpan(tracer, method === '_OTHER' ? 'HTTP' : method, SpanKind.CLIENT, START_ATTRIBUTES.get(method)!, active);
      propagation.inject(trace.setSpan(active, span), request, setter);
      if (!span.isRecording()) return;
      const attrs = requestAttributes(request, method);
      if (attrs) setKnownAttributes(span, attrs);
      request[kSpan] = span;
    } catch {
      // instrumentation never breaks the request
    }
  };

  const onSendHeaders = (message: unknown): void => {
    try {
      const { request, socket } = message as { request: Traced; socket: UndiciSocket };
      const span = request[kSpan];
      if (span === undefined) return;
      const attrs: Attributes = { [ATTR_NETWORK_PROTOCOL_VERSION]: socket.alpnProtocol === 'h2' ? '2' : '1.1' };
      if (socket.remoteAddress !== undefined) attrs[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
      if (socket.remotePort !== undefined) attrs[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
      setKnownAttributes(span, attrs);
    } catch {
      // never throw into the application
    }
  };

  const onResponseHeaders = (message: unknown): void => {
    try {
      const { request, response } = message as { request: Traced; response: UndiciResponse };
      const span = request[kSpan];
      if (span === undefined) return;
      setKnownAttribute(span, ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 400) {
        setKnownAttribute(span, ATTR_ERROR_TYPE, String(response.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch {
      // never throw into the application
    }
  };

  const onDone = (message: unknown): void => {
    try {
      take((message as { request: Traced }).request)?.end();
    } catch {
      // never throw into the application
    }
  };

  const onError = (message: unknown): void => {
    try {
      const { request, error } = message as { request: Traced; error: Error & { code?: string } };
      const span = take(request);
      if (span === undefined) return;
      const aborted = error?.name === 'AbortError' || (typeof DOMException !== 'undefined' && error instanceof DOMException && error.code === DOMException.ABORT_ERR);
      if (!aborted) {
        span.setAttribute(ATTR_ERROR_TYPE, String(error?.code ?? error?.name ?? 'Error'));
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
      }
      span.end();
    } catch {
      // never throw into the application
    }
  };

  // Every new connection, so that all sockets have one shape (internal/socket-peer.ts).
  const onConnected = (message: unknown): void => cachePeerAddress((message as { socket?: unknown }).socket);

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    ['undici:client:connected', onConnected],
    ['undici:request:create', onCreate],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:headers', onResponseHeaders],
    ['undici:request:trailers', onDone],
    ['undici:request:error', onError],
  ];
  for (const [name, fn] of subscriptions) diagnostics.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscriptions) diagnostics.unsubscribe(name, fn);
  };
}
