/** Trace ids are 16 bytes, span ids 8 bytes (W3C Trace Context, OTLP). */
export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}

/** Lower-case hex of `length` bytes of `bytes` starting at `offset`. */
export function bytesToHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let out = '';
  for (let i = offset; i < offset + length; i++) out += HEX[bytes[i]];
  return out;
}

/**
 * Parses hex (either case) into bytes. Returns undefined when the string has an odd length or a
 * character that is not a hex digit.
 */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    const h = hi < 128 ? NIBBLE[hi] : -1;
    const l = lo < 128 ? NIBBLE[lo] : -1;
    if (h < 0 || l < 0) return undefined;
    out[i] = (h << 4) | l;
  }
  return out;
}

/** True when every byte in the range is zero (an all-zero id means "no id"). */
export function isZero(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
  for (let i = offset; i < offset + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A valid trace id: 32 lower-case hex characters, not all zero. */
export function isValidTraceIdHex(hex: string): boolean {
  return /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex);
}

/** A valid span id: 16 lower-case hex characters, not all zero. */
export function isValidSpanIdHex(hex: string): boolean {
  return /^[0-9a-f]{16}$/.test(hex) && !/^0+$/.test(hex);
}
