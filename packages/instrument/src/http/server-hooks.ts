import type { Span } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import { getRPCMetadata } from '@opentelemetry/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatTraceparent } from '../propagation/traceparent.js';

/**
 * Hooks for `@opentelemetry/instrumentation-http` on the server side: the W3C Trace Context
 * level-2 `traceresponse` header (and optionally `x-trace-id`), and a handle on the request's
 * RPC metadata so frameworks can name the span with their route template.
 */

export const TRACERESPONSE_HEADER = 'traceresponse';
const kRpcMetadata = Symbol.for('tracelight.rpc-metadata');

type WithRpc = { [kRpcMetadata]?: RPCMetadata };

export interface ServerHookOptions {
  /** Send `traceresponse` (default true). */
  traceResponseHeader: boolean;
  /** Also send the trace id alone in this header (e.g. `x-trace-id`); off when undefined. */
  traceIdHeader?: string;
}

function isServerResponse(x: unknown): x is ServerResponse {
  return typeof (x as ServerResponse).setHeader === 'function' && typeof (x as ServerResponse).headersSent === 'boolean';
}

export function createServerRequestHook(): (span: Span, request: unknown) => void {
  return (_span, request) => {
    // Runs inside the context instrumentation-http made for this request, which holds the
    // (mutable) RPC metadata whose `route` names the span when the response ends.
    const rpc = getRPCMetadata(context.active());
    if (rpc && request && typeof request === 'object') (request as WithRpc)[kRpcMetadata] = rpc;
  };
}

export function createServerResponseHook(options: ServerHookOptions): (span: Span, response: unknown) => void {
  return (span, response) => {
    if (!isServerResponse(response) || response.headersSent) return;
    const sc = span.spanContext();
    if (options.traceResponseHeader) {
      response.setHeader(TRACERESPONSE_HEADER, formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
    }
    if (options.traceIdHeader) response.setHeader(options.traceIdHeader, sc.traceId);
  };
}

/** The RPC metadata of the server span for this Node request, if instrumentation-http made one. */
export function rpcMetadataOf(request: IncomingMessage | undefined): RPCMetadata | undefined {
  return (request as (IncomingMessage & WithRpc) | undefined)?.[kRpcMetadata] ?? getRPCMetadata(context.active());
}
