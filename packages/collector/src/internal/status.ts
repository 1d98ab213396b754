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

/**
 * Error codes of refusals made because this process is under pressure (memory, a full queue):
 * 429 Too Many Requests / RESOURCE_EXHAUSTED, as OTLP asks for throttling.
 */
export const PRESSURE_CODES: ReadonlySet<string> = new Set(['MEMORY_LIMIT', 'QUEUE_FULL']);

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
 * Permanent bad-data errors → 400 / INVALID_ARGUMENT; pressure (memory limiter, full queues) →
 * 429 + Retry-After / RESOURCE_EXHAUSTED; other retryable errors (a store that is busy or down)
 * → 503 + Retry-After / UNAVAILABLE; anything else → 500 / INTERNAL. gRPC answers to retryable
 * refusals carry RetryInfo (see retryInfoStatusDetails).
 */
export function refusalStatus(error: TracelightError): RefusalStatus {
  if (BAD_DATA_CODES.has(error.code)) return { http: 400, rpc: RpcCode.INVALID_ARGUMENT, retryAfterSeconds: undefined };
  if (error.retryable) {
    const seconds = error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    if (PRESSURE_CODES.has(error.code)) return { http: 429, rpc: RpcCode.RESOURCE_EXHAUSTED, retryAfterSeconds: seconds };
    return { http: 503, rpc: RpcCode.UNAVAILABLE, retryAfterSeconds: seconds };
  }
  return { http: 500, rpc: RpcCode.INTERNAL, retryAfterSeconds: undefined };
}

function varint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function field(out: number[], no: number, bytes: readonly number[] | Uint8Array): void {
  varint(out, (no << 3) | 2);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * A google.rpc.Status { code, message, details: [RetryInfo { retry_delay }] } in protobuf: the
 * value of the `grpc-status-details-bin` trailer, which tells gRPC clients how long to wait
 * (OTLP makes RESOURCE_EXHAUSTED retryable only when it carries RetryInfo).
 */
export function retryInfoStatusDetails(code: number, message: string, retryAfterSeconds: number): Buffer {
  const duration: number[] = [];
  varint(duration, 1 << 3);
  varint(duration, retryAfterSeconds);
  const retryInfo: number[] = [];
  field(retryInfo, 1, duration);
  const any: number[] = [];
  field(any, 1, new TextEncoder().encode(RETRY_INFO_TYPE));
  field(any, 2, retryInfo);
  const status: number[] = [];
  varint(status, 1 << 3);
  varint(status, code);
  field(status, 2, new TextEncoder().encode(message));
  field(status, 3, any);
  return Buffer.from(status);
}
