/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context-2/#traceparent-header),
 * parsed by the processing rules of levels 1 and 2 rather than by one permissive regex.
 */

/** Level 1: the caller may have recorded this trace. */
export const TRACE_FLAG_SAMPLED = 0x01;
/** Level 2: at least the rightmost 7 bytes of the trace id were generated randomly. */
export const TRACE_FLAG_RANDOM = 0x02;
/** Flags this implementation understands; other bits are not propagated (spec: unknown bits). */
export const KNOWN_TRACE_FLAGS = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;

export interface Traceparent {
  version: number;
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const VERSION_00_LENGTH = 55; // 2 + 1 + 32 + 1 + 16 + 1 + 2

function isLowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

function isAllZero(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) !== 0x30) return false;
  return true;
}

/**
 * Parses one `traceparent` value. Returns `undefined` for anything the specification says to
 * ignore: version `ff`, non-lowercase-hex characters (upper case included), wrong field lengths,
 * all-zero trace or parent id, version `00` with trailing data, or a future version whose extra
 * data does not start with `-`. Surrounding spaces and tabs (HTTP OWS) are allowed. A value that
 * holds several headers joined with `,` is invalid (the spec asks to restart the trace).
 * Unknown flag bits are cleared.
 */
export function parseTraceparent(header: string): Traceparent | undefined {
  const value = trimOws(header);
  if (value.length < VERSION_00_LENGTH) return undefined;
  if (!isLowerHex(value, 0, 2)) return undefined;
  const version = parseInt(value.slice(0, 2), 16);
  if (version === 0xff) return undefined;
  if (version === 0 && value.length !== VERSION_00_LENGTH) return undefined;
  // Future versions: the version-00 fields must be there, and anything after them must start
  // with a dash ("cc-...-01-what-the-future-will-be-like" is fine, "...-01.what" is not).
  if (value.length > VERSION_00_LENGTH && value.charCodeAt(VERSION_00_LENGTH) !== 0x2d) return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  if (!isLowerHex(value, 3, 35) || isAllZero(value, 3, 35)) return undefined;
  if (!isLowerHex(value, 36, 52) || isAllZero(value, 36, 52)) return undefined;
  if (!isLowerHex(value, 53, 55)) return undefined;
  const flags = parseInt(value.slice(53, 55), 16);
  return {
    version,
    traceId: value.slice(3, 35),
    spanId: value.slice(36, 52),
    traceFlags: flags & KNOWN_TRACE_FLAGS,
  };
}

/** Serialises a version-00 `traceparent`. */
export function formatTraceparent(traceId: string, spanId: string, traceFlags: number): string {
  const flags = traceFlags & 0xff;
  return `00-${traceId}-${spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}

/** Strips HTTP optional whitespace (SP / HTAB) from both ends. */
export function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
