import type { RPCMetadata } from '@opentelemetry/core';

/** The W3C Trace Context level-2 response header. */
export const TRACERESPONSE_HEADER = 'traceresponse';

/** Where the server span's RPC metadata hangs on Node's request object (frameworks read it). */
export const kRpcMetadata = Symbol.for('tracelight.rpc-metadata');

export type WithRpcMetadata = { [kRpcMetadata]?: RPCMetadata };
