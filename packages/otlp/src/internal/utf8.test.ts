import { describe, expect, it } from 'vitest';
import { prng } from '../test-helpers/proto-bytes.js';
import { utf8Decode } from './utf8.js';

const reference = new TextDecoder('utf-8', { ignoreBOM: true });

describe('utf8Decode', () => {
  it('matches TextDecoder for every string, cached or not, through collisions and evictions', () => {
    const random = prng(7);
    const alphabet = ['a', 'b', '.', '_', 'é', '世', '🚀', '\uFEFF', '0'];
    const encoder = new TextEncoder();
    const words = Array.from({ length: 6000 }, () => {
      // Short keys, and longer values up to ~360 bytes: both cache tables and the uncached path.
      const len = Math.floor(random() * (random() < 0.3 ? 90 : 14));
      return Array.from({ length: len }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    });
    const buf = new Uint8Array(2_000_000);
    let pos = 0;
    const spans: [number, number, string][] = [];
    for (const w of words) {
      const b = encoder.encode(w);
      buf.set(b, pos);
      spans.push([pos, pos + b.length, w]);
      pos += b.length;
    }
    for (let pass = 0; pass < 2; pass++) {
      for (const [from, to, w] of spans) expect(utf8Decode(buf, new DataView(buf.buffer), from, to)).toBe(w);
    }
  });

  it('decodes invalid UTF-8 to U+FFFD consistently, and long strings without the cache', () => {
    const bad = Uint8Array.from([0x61, 0xff, 0xc3, 0x62]);
    expect(utf8Decode(bad, new DataView(bad.buffer), 0, 4)).toBe(reference.decode(bad));
    expect(utf8Decode(bad, new DataView(bad.buffer), 0, 4)).toBe('a\uFFFD\uFFFDb');
    const long = new TextEncoder().encode('x'.repeat(40) + 'ü');
    expect(utf8Decode(long, new DataView(long.buffer), 0, long.length)).toBe('x'.repeat(40) + 'ü');
    // Same bytes as a cached string but one byte longer must not hit the cached entry.
    const ab = Uint8Array.from([0x61, 0x62, 0x63]);
    expect(utf8Decode(ab, new DataView(ab.buffer), 0, 2)).toBe('ab');
    expect(utf8Decode(ab, new DataView(ab.buffer), 0, 3)).toBe('abc');
    expect(utf8Decode(ab, new DataView(ab.buffer), 1, 3)).toBe('bc');
  });
});
