import type { TracelightError } from '@tracelight/core';

/** google.rpc.Code values (the same numbers as gRPC status codes). */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** Error codes that mean "this data is bad": permanent, never worth a retry. */
const BAD_DATA_CODES = new Set(['INVALID_DATA', 'OTLP_DECODE']);

/** What a client hears back when a consumer refused data, over HTTP and over gRPC. */
export interface RefusalStatus {
  readonly http: number;
  readonly rpc: number;
  /** Seconds for Retry-After, set only for retryable refusals. */
  readonly retryAfterSeconds: number | undefined;
}

/** Default Retry-After when a retryable error does not say how long to wait. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Permanent bad-data errors → 400 / INVALID_ARGUMENT; retryable (pressure, a store that is down)
 * → 503 + Retry-After / UNAVAILABLE; anything else → 500 / INTERNAL.
 */
export function refusalStatus(error: TracelightError): RefusalStatus {
  if (BAD_DATA_CODES.has(error.code)) return { http: 400, rpc: RpcCode.INVALID_ARGUMENT, retryAfterSeconds: undefined };
  if (error.retryable) {
    const seconds = error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return { http: 503, rpc: RpcCode.UNAVAILABLE, retryAfterSeconds: seconds };
  }
  return { http: 500, rpc: RpcCode.INTERNAL, retryAfterSeconds: undefined };
}
