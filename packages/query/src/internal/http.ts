import { TracelightError } from '@tracelight/core';
import { StoreErrorCode } from '@tracelight/store';

/** Error codes the query API raises itself (TracelightError.code); see `statusOf` for the HTTP status of each. */
export const QueryErrorCode = {
  BAD_REQUEST: 'QUERY_BAD_REQUEST',
  NOT_FOUND: 'QUERY_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'QUERY_METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'QUERY_PAYLOAD_TOO_LARGE',
  UNSUPPORTED: 'QUERY_UNSUPPORTED',
  INTERNAL: 'INTERNAL',
} as const;

export function badRequest(message: string): TracelightError {
  return new TracelightError(QueryErrorCode.BAD_REQUEST, message);
}

export function notFound(message: string): TracelightError {
  return new TracelightError(QueryErrorCode.NOT_FOUND, message);
}

export function unsupported(message: string): TracelightError {
  return new TracelightError(QueryErrorCode.UNSUPPORTED, message);
}

/** The one place error families become HTTP statuses (Hono's `onError`, in our words). */
export function statusOf(err: TracelightError): number {
  switch (err.code) {
    case QueryErrorCode.BAD_REQUEST:
    case StoreErrorCode.INVALID_QUERY:
    case 'OTLP_DECODE':
      return 400;
    case QueryErrorCode.NOT_FOUND:
      return 404;
    case QueryErrorCode.METHOD_NOT_ALLOWED:
      return 405;
    case QueryErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case QueryErrorCode.UNSUPPORTED:
    case StoreErrorCode.UNSUPPORTED:
      return 501;
    case StoreErrorCode.BUSY:
    case StoreErrorCode.CLOSED:
      return 503;
    default:
      return 500;
  }
}

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

// Like Go's json.Marshal (so also like Jaeger): <, > and & are escaped, so a span name holding
// markup can never be read as HTML even by a client that ignores the content type. U+2028/9 are
// escaped so the text is also valid JavaScript.
const UNSAFE = /[<>&\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON text of a value, with the characters above escaped. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => ESCAPES[c]);
}

/** A binary answer (one buffer: the fetch server writes it in one go). */
export function bytesResponse(status: number, body: Uint8Array<ArrayBuffer>, contentType: string): Response {
  return new Response(body, { status, headers: { ...BASE_HEADERS, 'content-type': contentType, 'content-length': String(body.length) } });
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(safeJson(body), { status, headers: { ...BASE_HEADERS, ...headers } });
}

/**
 * The request body as bytes, refused with 413 beyond `maxBytes` (checked against content-length
 * first, then while reading, so a lying or absent content-length cannot make us buffer more).
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): TracelightError {
  return new TracelightError(QueryErrorCode.PAYLOAD_TOO_LARGE, `the request body is larger than ${maxBytes} bytes`);
}
