import type { SpanContext } from '@opentelemetry/api';
import { ServerResponse } from 'node:http';
import { formatTraceparent } from '../propagation/traceparent.js';
import { TRACERESPONSE_HEADER } from './server-hooks.js';

/**
 * The response headers naming the server span (`traceresponse`, optionally the trace id alone)
 * are added when the response head is written, not with `setHeader` when the request arrives: one
 * `setHeader` before a framework's `writeHead(status, headers)` sends Node down its slow path,
 * where every header of the framework is set again through `setHeader` (validated and
 * lower-cased one by one). `ServerResponse.prototype.writeHead` is wrapped once; a response only
 * carries its span context in one property until then, and the header value is formatted only
 * if the head is written. A header the application set itself is left alone.
 */

const kSpanContext = Symbol('tracelight.response-span-context');
export type WithResponseSpanContext = { [kSpanContext]?: SpanContext };

export interface ResponseHeaderOptions {
  traceResponseHeader: boolean;
  /** Also send the trace id alone in this header (e.g. `x-trace-id`). */
  traceIdHeader?: string;
}

type WriteHead = (this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) => ServerResponse;

/** Marks `res` to get the headers for `spanContext` when its head is written. */
export function setResponseSpanContext(res: ServerResponse & WithResponseSpanContext, spanContext: SpanContext): void {
  res[kSpanContext] = spanContext;
}

/** Whether `headers` (an object given to writeHead) names `name`, in any case, without allocating. */
function has(headers: Record<string, unknown>, name: string): boolean {
  if (headers[name] !== undefined) return true;
  for (const key in headers) if (key.length === name.length && key.toLowerCase() === name) return true;
  return false;
}

function taken(headers: unknown[], nested: boolean, name: string): boolean {
  if (nested) return (headers as Array<[unknown, unknown]>).some(([k]) => String(k).toLowerCase() === name);
  for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
  return false;
}

/**
 * `headers` (the argument of writeHead) with ours added where the application has not set them,
 * or undefined when there is no headers argument.
 */
function merged(headers: unknown, sc: SpanContext, options: ResponseHeaderOptions, res: ServerResponse): unknown {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  const traceResponse = options.traceResponseHeader ? TRACERESPONSE_HEADER : undefined;
  const traceId = options.traceIdHeader;
  if (Array.isArray(headers)) {
    const out: unknown[] = [...(headers as unknown[])];
    const nested = out.length > 0 && Array.isArray(out[0]);
    const add = (name: string, value: string) => {
      if (taken(out, nested, name) || res.hasHeader(name)) return;
      if (nested) out.push([name, value]);
      else out.push(name, value);
    };
    if (traceResponse) add(traceResponse, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
    if (traceId) add(traceId, sc.traceId);
    return out;
  }
  const given = headers as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (traceResponse && !has(given, traceResponse) && !res.hasHeader(traceResponse)) {
    out[traceResponse] = formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags);
  }
  if (traceId && !has(given, traceId) && !res.hasHeader(traceId)) out[traceId] = sc.traceId;
  return Object.assign(out, given);
}

/** No headers argument: the response's own headers (setHeader) are what gets written. */
function setOurs(res: ServerResponse, sc: SpanContext, options: ResponseHeaderOptions): void {
  if (options.traceResponseHeader && !res.hasHeader(TRACERESPONSE_HEADER)) {
    res.setHeader(TRACERESPONSE_HEADER, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
  }
  if (options.traceIdHeader && !res.hasHeader(options.traceIdHeader)) res.setHeader(options.traceIdHeader, sc.traceId);
}

let installed: { original: WriteHead; wrapped: WriteHead } | undefined;

/** Wraps `ServerResponse.prototype.writeHead` (once per process); returns the undo. */
export function enableResponseHeaders(options: ResponseHeaderOptions): () => void {
  if (installed || (!options.traceResponseHeader && !options.traceIdHeader)) return () => {};
  const proto = ServerResponse.prototype as unknown as { writeHead: WriteHead };
  const original = proto.writeHead;
  const wrapped: WriteHead = function (this: ServerResponse & WithResponseSpanContext, statusCode, reason, headers) {
    const sc = this[kSpanContext];
    // eslint-disable-next-line prefer-rest-params
    if (sc === undefined) return Reflect.apply(original, this, arguments) as ServerResponse;
    this[kSpanContext] = undefined;
    const withReason = typeof reason === 'string';
    let withOurs: unknown;
    try {
      withOurs = merged(withReason ? headers : reason, sc, options, this);
      if (withOurs === undefined) setOurs(this, sc, options);
    } catch {
      // instrumentation never breaks the response
      // eslint-disable-next-line prefer-rest-params
      return Reflect.apply(original, this, arguments) as ServerResponse;
    }
    // eslint-disable-next-line prefer-rest-params
    if (withOurs === undefined) return Reflect.apply(original, this, arguments) as ServerResponse;
    return withReason ? original.call(this, statusCode, reason, withOurs) : original.call(this, statusCode, withOurs);
  };
  proto.writeHead = wrapped;
  installed = { original, wrapped };
  return () => {
    if (!installed) return;
    if (proto.writeHead === installed.wrapped) proto.writeHead = installed.original;
    installed = undefined;
  };
}
