/**
 * A small protobuf writer for the kit's OTLP encoder: one growable buffer, one pass. A nested
 * message reserves one byte for its length (`begin`) and `end` fills it in, moving the message
 * right in the rare case its length needs more than one varint byte, so nothing is measured
 * twice and nothing is allocated per field.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;

// Hex digit values by char code ('0'-'9', 'a'-'f', 'A'-'F'; anything else 0): a table lookup per
// digit is about 2.5x faster than computing it with branches.
const HEX_VALUES = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX_VALUES[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUES[0x61 + i] = HEX_VALUES[0x41 + i] = 10 + i;

/**
 * Copies `s` into `buf` from `p` as one byte per char if it is all ASCII (room already ensured);
 * returns the position after it, or -1 at the first non-ASCII char (what was copied is garbage the
 * caller does not keep).
 */
function copyAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    buf[p++] = c;
  }
  return p;
}

export class ProtoWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialCapacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.pos + n) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** `0 <= v < 2^32`. */
  varint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    v >>>= 0;
    while (v > 127) {
      buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** A 64-bit varint from its two 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi > 0 || lo > 127) {
      buf[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[p++] = lo;
    this.pos = p;
  }

  /** An int64 (two's complement for negatives) from an integral double in [-2^63, 2^63). */
  int64(v: number): void {
    if (v >= 0 && v < TWO_32) this.varint32(v);
    else this.varint64(v >>> 0, Math.floor(v / TWO_32) >>> 0);
  }

  tag(field: number, wireType: number): void {
    this.varint32((field << 3) | wireType);
  }

  fixed32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v;
    buf[p + 1] = v >>> 8;
    buf[p + 2] = v >>> 16;
    buf[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = lo;
    buf[p + 1] = lo >>> 8;
    buf[p + 2] = lo >>> 16;
    buf[p + 3] = lo >>> 24;
    buf[p + 4] = hi;
    buf[p + 5] = hi >>> 8;
    buf[p + 6] = hi >>> 16;
    buf[p + 7] = hi >>> 24;
    this.pos = p + 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A `[seconds, nanoseconds]` time as fixed64 nanoseconds, exactly (no BigInt, no rounding). */
  hrTime(t: readonly [number, number]): void {
    const seconds = t[0];
    const nanos = t[1];
    // seconds * 1e9 does not fit a double exactly: split seconds into 16-bit halves.
    const low = (seconds % 65536) * 1e9; // < 2^46
    const high = Math.floor(seconds / 65536) * 1e9; // times 2^16 below; < 2^46
    const sumLow = (low % TWO_32) + (high % 65536) * 65536 + nanos; // < 3 * 2^32
    const lo = sumLow % TWO_32;
    const hi = Math.floor(low / TWO_32) + Math.floor(high / 65536) + Math.floor(sumLow / TWO_32);
    this.fixed64(lo, hi);
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      // Short ASCII (nearly every key and value): copy the char codes.
      this.ensure(n + 1);
      const start = this.pos;
      const end = copyAscii(this.buf, start + 1, s);
      if (end !== -1) {
        this.buf[start] = n;
        this.pos = end;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint32(bytes);
    this.ensure(bytes);
    this.buf.write(s, this.pos, bytes, 'utf8');
    this.pos += bytes;
  }

  /**
   * A whole `KeyValue` (in field `field` < 16) whose key is ASCII and whose value is an ASCII string
   * or an integer in [0, 2^31), written in one go when it is short (key and value together at most
   * 120 chars, so every length fits one byte): most attributes are like this, and this skips the
   * generic path's nested length bookkeeping. Returns false, having written nothing, otherwise.
   */
  shortKeyValue(field: number, key: string, value: string | number): boolean {
    const kl = key.length;
    const isString = typeof value === 'string';
    let anyLen: number;
    if (isString) {
      if (kl + value.length > 120) return false;
      anyLen = value.length + 2;
    } else {
      if (!Number.isInteger(value) || value < 0 || value >= 2 ** 31 || kl > 110) return false;
      anyLen = value < 128 ? 2 : value < 16384 ? 3 : value < 2097152 ? 4 : value < 268435456 ? 5 : 6;
    }
    const kvLen = kl + 4 + anyLen;
    this.ensure(kvLen + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = (field << 3) | WIRE_LEN;
    buf[p++] = kvLen;
    buf[p++] = 0x0a; // KeyValue.key
    buf[p++] = kl;
    p = copyAscii(buf, p, key);
    if (p === -1) return false;
    buf[p++] = 0x12; // KeyValue.value
    buf[p++] = anyLen;
    if (isString) {
      const vl = value.length;
      buf[p++] = 0x0a; // AnyValue.string_value
      buf[p++] = vl;
      p = copyAscii(buf, p, value);
      if (p === -1) return false;
    } else {
      buf[p++] = 0x18; // AnyValue.int_value
      let v = value;
      while (v > 127) {
        buf[p++] = (v & 127) | 128;
        v >>>= 7;
      }
      buf[p++] = v;
    }
    this.pos = p;
    return true;
  }

  /** A length-prefixed byte string given as hex (trace and span ids). */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(n + 5);
    this.varint32(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < hex.length - 1; i += 2) buf[p++] = (HEX_VALUES[hex.charCodeAt(i) & 0x7f] << 4) | HEX_VALUES[hex.charCodeAt(i + 1) & 0x7f];
    this.pos = p;
  }

  /** Length-prefixed raw bytes. */
  bytes(b: Uint8Array): void {
    this.varint32(b.length);
    this.raw(b);
  }

  /** Bytes as they are (an already encoded message body, or fields). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Starts a length-delimited value (after its tag); pass the result to `end`. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(mark: number): void {
    const length = this.pos - mark - 1;
    if (length < 128) {
      this.buf[mark] = length;
      return;
    }
    let size = 2;
    while (length >= 2 ** (7 * size)) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(mark + size, mark + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = mark;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }
}
