const encoder = new TextEncoder();
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchU64 = new BigUint64Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
const scratchU32 = new Uint32Array(scratch);

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

/**
 * Appends protobuf fields to a growing buffer. A nested message is written after a 1-byte
 * length placeholder (`begin`) and moved forward in `end` when its length needs more bytes,
 * so the encoder makes a single pass.
 */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(initialSize);
  }

  /** The bytes written; a copy when most of the buffer went unused, so it is not kept alive. */
  finish(): Uint8Array {
    return this.pos < this.buf.length / 4 ? this.buf.slice(0, this.pos) : this.buf.subarray(0, this.pos);
  }

  /** A tag or any value below 2^32. */
  varint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** An int64 as a plain varint (negative values take 10 bytes). */
  varint64(v: bigint): void {
    scratchI64[0] = BigInt.asIntN(64, v);
    let lo = scratchU32[0];
    let hi = scratchU32[1];
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed32(v: number): void {
    this.ensure(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = v;
    buf[pos + 1] = v >>> 8;
    buf[pos + 2] = v >>> 16;
    buf[pos + 3] = v >>> 24;
    this.pos = pos + 4;
  }

  /** 8 little-endian bytes copied from `src` at `offset` (a time column's byte view). */
  fixed64Bytes(src: Uint8Array, offset: number): void {
    this.ensure(8);
    const buf = this.buf;
    const pos = this.pos;
    for (let k = 0; k < 8; k++) buf[pos + k] = src[offset + k];
    this.pos = pos + 8;
  }

  fixed64(v: bigint): void {
    scratchU64[0] = BigInt.asUintN(64, v);
    this.fixed64Bytes(scratchBytes, 0);
  }

  double(v: number): void {
    scratchF64[0] = v;
    this.fixed64Bytes(scratchBytes, 0);
  }

  /** A length-prefixed byte string. */
  bytes(src: Uint8Array, from = 0, length = src.length - from): void {
    this.varint32(length);
    this.ensure(length);
    this.buf.set(src.subarray(from, from + length), this.pos);
    this.pos += length;
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    this.ensure(5 + 3 * n);
    const buf = this.buf;
    const start = this.pos;
    if (n < 0x80) {
      let p = start + 1;
      let k = 0;
      for (; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (k === n) {
        buf[start] = n;
        this.pos = p;
        return;
      }
    }
    const reserved = varintSize(3 * n);
    const { written } = encoder.encodeInto(s, buf.subarray(start + reserved));
    const needed = varintSize(written);
    if (needed < reserved) buf.copyWithin(start + needed, start + reserved, start + reserved + written);
    this.pos = start;
    this.varint32(written);
    this.pos += written;
  }

  /** Starts a length-delimited value; pass the result to `end` once its content is written. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const length = this.pos - at - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    const buf = this.buf;
    let v = length;
    let p = at;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }

  private ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}
