// ignoreBOM keeps a leading U+FEFF in a string value instead of silently dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

// Attribute keys, and many values (methods, routes, host names, user agents, SQL, stack traces),
// repeat in every span of a request and across requests. Strings up to 256 bytes go through a
// direct-mapped cache keyed by their bytes: a hit costs a hash of at most 8 bytes and a compare
// 4 bytes at a time, instead of decoding and allocating a new string, and repeated keys end up as
// one string object. Two tables: many short entries, fewer long ones.
const SHORT = 32;
const SHORT_SLOTS = 4096;
const LONG = 256;
const LONG_SLOTS = 512;

interface Table {
  readonly width: number;
  readonly mask: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly length: Int32Array;
  readonly strings: string[];
}

function table(width: number, slots: number): Table {
  const bytes = new Uint8Array(width * slots);
  return {
    width,
    mask: slots - 1,
    bytes,
    view: new DataView(bytes.buffer),
    length: new Int32Array(slots).fill(-1),
    strings: new Array<string>(slots).fill(''),
  };
}

const shortTable = table(SHORT, SHORT_SLOTS);
const longTable = table(LONG, LONG_SLOTS);

/**
 * UTF-8 bytes `[from, to)` of `buf` as a string; invalid sequences become U+FFFD. `view` is a
 * DataView over the same bytes as `buf`.
 */
export function utf8Decode(buf: Uint8Array, view: DataView, from: number, to: number): string {
  const n = to - from;
  if (n > LONG) return decoder.decode(buf.subarray(from, to));
  const t = n > SHORT ? longTable : shortTable;
  // Hash the length and up to 8 bytes from both ends (the full compare below keeps it exact).
  let h = n;
  if (n <= 8) {
    for (let p = from; p < to; p++) h = Math.imul(h ^ buf[p], 0x0100_0193);
  } else {
    h = Math.imul(h ^ buf[from], 0x0100_0193);
    h = Math.imul(h ^ buf[from + 1], 0x0100_0193);
    h = Math.imul(h ^ buf[from + 2], 0x0100_0193);
    h = Math.imul(h ^ buf[from + (n >> 1)], 0x0100_0193);
    h = Math.imul(h ^ buf[to - 4], 0x0100_0193);
    h = Math.imul(h ^ buf[to - 3], 0x0100_0193);
    h = Math.imul(h ^ buf[to - 2], 0x0100_0193);
    h = Math.imul(h ^ buf[to - 1], 0x0100_0193);
  }
  const slot = (h ^ (h >>> 15)) & t.mask;
  const at = slot * t.width;
  if (t.length[slot] === n && same(t, at, buf, view, from, n)) return t.strings[slot];
  const s = decoder.decode(buf.subarray(from, to));
  t.length[slot] = n;
  t.bytes.set(buf.subarray(from, to), at);
  t.strings[slot] = s;
  return s;
}

function same(t: Table, at: number, buf: Uint8Array, view: DataView, from: number, n: number): boolean {
  const cached = t.view;
  let k = 0;
  for (; k + 4 <= n; k += 4) if (cached.getInt32(at + k) !== view.getInt32(from + k)) return false;
  const bytes = t.bytes;
  for (; k < n; k++) if (bytes[at + k] !== buf[from + k]) return false;
  return true;
}
