import { context } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import { getRPCMetadata } from '@opentelemetry/core';
import type { IncomingMessage } from 'node:http';

/** The W3C Trace Context level-2 response header. */
export const TRACERESPONSE_HEADER = 'traceresponse';

/** Where the server span's RPC metadata hangs on Node's request object (frameworks read it). */
export const kRpcMetadata = Symbol.for('tracelight.rpc-metadata');

export type WithRpcMetadata = { [kRpcMetadata]?: RPCMetadata };

/**
 * The RPC metadata of the server span for this Node request (its mutable `route` names the span
 * when the response ends), else whatever the active context holds.
 */
export function rpcMetadataOf(request: IncomingMessage | undefined): RPCMetadata | undefined {
  return (request as (IncomingMessage & WithRpcMetadata) | undefined)?.[kRpcMetadata] ?? getRPCMetadata(context.active());
}
