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
type HeaderPairs = Array<[string, string]>;

/** Marks `res` to get the headers for `spanContext` when its head is written. */
export function setResponseSpanContext(res: ServerResponse & WithResponseSpanContext, spanContext: SpanContext): void {
  res[kSpanContext] = spanContext;
}

function headersFor(sc: SpanContext, options: ResponseHeaderOptions): HeaderPairs {
  const out: HeaderPairs = [];
  if (options.traceResponseHeader) out.push([TRACERESPONSE_HEADER, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags)]);
  if (options.traceIdHeader) out.push([options.traceIdHeader, sc.traceId]);
  return out;
}

function has(headers: Record<string, unknown>, name: string): boolean {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return true;
  return false;
}

/** `headers` (the argument of writeHead) with ours added, or undefined to use setHeader. */
function merged(headers: unknown, ours: HeaderPairs, res: ServerResponse): unknown {
  if (headers === undefined || headers === null) return undefined;
  if (Array.isArray(headers)) {
    const out: unknown[] = [...(headers as unknown[])];
    const nested = out.length > 0 && Array.isArray(out[0]);
    for (const [name, value] of ours) {
      const taken = nested
        ? (out as Array<[string, unknown]>).some(([k]) => String(k).toLowerCase() === name)
        : out.some((k, i) => i % 2 === 0 && String(k).toLowerCase() === name);
      if (taken || res.hasHeader(name)) continue;
      if (nested) out.push([name, value]);
      else out.push(name, value);
    }
    return out;
  }
  if (typeof headers !== 'object') return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of ours) {
    if (!has(headers as Record<string, unknown>, name) && !res.hasHeader(name)) out[name] = value;
  }
  return Object.assign(out, headers);
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
    let ours: HeaderPairs;
    let withOurs: unknown;
    const withReason = typeof reason === 'string';
    try {
      ours = headersFor(sc, options);
      withOurs = merged(withReason ? headers : reason, ours, this);
      if (withOurs === undefined) {
        // No headers argument: the response's own headers (setHeader) are what gets written.
        for (const [name, value] of ours) if (!this.hasHeader(name)) this.setHeader(name, value);
      }
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
