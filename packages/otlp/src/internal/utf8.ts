// ignoreBOM keeps a leading U+FEFF in a string value instead of silently dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Strings up to this length are decoded in JS when they are ASCII; longer ones by TextDecoder. */
const SHORT = 24;

/**
 * UTF-8 bytes `[from, to)` of `buf` as a string; invalid sequences become U+FFFD. Short ASCII
 * strings (most attribute keys and values) skip TextDecoder's per-call overhead.
 */
export function utf8Decode(buf: Uint8Array, from: number, to: number): string {
  if (to - from <= SHORT) {
    let s = '';
    for (let p = from; p < to; p++) {
      const c = buf[p];
      if (c >= 0x80) return decoder.decode(buf.subarray(from, to));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(buf.subarray(from, to));
}
