import { OtlpDecodeError } from '../otlp-decode-error.js';
import { utf8Decode } from './utf8.js';

/** Protobuf wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

/** Nesting deeper than this (AnyValue in AnyValue, groups in groups) is refused, not recursed into. */
export const MAX_DEPTH = 100;

// Scratch space for reinterpreting 8 bytes as a double / (u)int64. Typed arrays use the
// platform's byte order; protobuf is little-endian, as is every platform Node runs on here.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchU32 = new Uint32Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchI64 = new BigInt64Array(scratch);
const scratchU64 = new BigUint64Array(scratch);
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('@tracelight/otlp needs a little-endian platform');
}

export function truncated(): OtlpDecodeError {
  return new OtlpDecodeError('truncated protobuf message');
}

export function malformed(what: string): OtlpDecodeError {
  return new OtlpDecodeError(`malformed protobuf message: ${what}`);
}

/**
 * A cursor over a protobuf message. Every read takes the end of the enclosing message, so a
 * nested message can never read past its parent, and throws OtlpDecodeError instead of reading
 * out of bounds.
 */
export class ProtoReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    // A plain Uint8Array view even when given a Buffer (grpc-js, node:http): Buffer#slice would
    // alias the request instead of copying, and one element type keeps the reads monomorphic.
    this.buf = buf.constructor === Uint8Array ? buf : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A field tag (field number << 3 | wire type). */
  tag(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.buf[pos];
      if (b < 0x80) {
        if (b < 8) throw malformed('field number 0');
        this.pos = pos + 1;
        return b;
      }
    }
    const t = this.uint32(end);
    if (t < 8) throw malformed('field number 0');
    return t;
  }

  /** A varint, keeping its low 32 bits (uint32, enums, int32 as unsigned). */
  uint32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw truncated();
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    for (let shift = 7; shift < 35; shift += 7) {
      if (pos >= end) throw truncated();
      b = buf[pos++];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    // Bytes 6..10 only carry bits above 32: skip them.
    for (let k = 5; k < 10; k++) {
      if (pos >= end) throw truncated();
      if (buf[pos++] < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /**
   * An enum for a byte column (span kind, status code, severity). No OTLP enum goes past 255;
   * a value that does (or a negative one) reads as 0, unspecified, rather than wrapping.
   */
  enum8(end: number): number {
    const v = this.uint32(end);
    return v <= 0xff ? v : 0;
  }

  /** A varint as a signed 64-bit integer (int64: negative values are 10-byte varints). */
  int64(end: number): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let b: number;
    let i = 0;
    for (; i < 4; i++) {
      if (pos >= end) throw truncated();
      b = buf[pos++];
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(lo >>> 0);
      }
    }
    if (pos >= end) throw truncated();
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (pos >= end) throw truncated();
        b = buf[pos++];
        hi |= (b & 0x7f) << (7 * i + 3);
        if (b < 0x80) break;
      }
      if (b >= 0x80) throw malformed('varint longer than 10 bytes');
    }
    this.pos = pos;
    scratchU32[0] = lo;
    scratchU32[1] = hi;
    return scratchI64[0];
  }

  /** A bool varint: true when any of its bits is set. */
  bool(end: number): boolean {
    const buf = this.buf;
    let pos = this.pos;
    let any = 0;
    for (let k = 0; k < 10; k++) {
      if (pos >= end) throw truncated();
      const b = buf[pos++];
      any |= b & 0x7f;
      if (b < 0x80) {
        this.pos = pos;
        return any !== 0;
      }
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** Reads a length prefix and returns where that field ends, checked against `end`. */
  sub(end: number): number {
    const len = this.uint32(end);
    const to = this.pos + len;
    if (to > end) throw truncated();
    return to;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) throw truncated();
    const buf = this.buf;
    this.pos = pos + 4;
    return (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
  }

  double(end: number): number {
    this.copy8(end);
    return scratchF64[0];
  }

  fixed64(end: number): bigint {
    this.copy8(end);
    return scratchU64[0];
  }

  /** Copies the next 8 bytes into `out` at `offset` (a fixed64 straight into a time column). */
  fixed64Into(end: number, out: Uint8Array, offset: number): void {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated();
    const buf = this.buf;
    out[offset] = buf[pos];
    out[offset + 1] = buf[pos + 1];
    out[offset + 2] = buf[pos + 2];
    out[offset + 3] = buf[pos + 3];
    out[offset + 4] = buf[pos + 4];
    out[offset + 5] = buf[pos + 5];
    out[offset + 6] = buf[pos + 6];
    out[offset + 7] = buf[pos + 7];
    this.pos = pos + 8;
  }

  string(end: number): string {
    const to = this.sub(end);
    const from = this.pos;
    this.pos = to;
    return from === to ? '' : utf8Decode(this.buf, this.view, from, to);
  }

  /** A copy of a bytes field: the value must not keep the whole request alive, nor see it reused. */
  bytes(end: number): Uint8Array {
    const to = this.sub(end);
    const out = new Uint8Array(to - this.pos);
    out.set(this.buf.subarray(this.pos, to));
    this.pos = to;
    return out;
  }

  /** Skips the value of a field we do not read, by its wire type. */
  skip(tag: number, end: number, depth = 0): void {
    switch (tag & 7) {
      case VARINT:
        this.uint32(end);
        return;
      case I64:
        if (this.pos + 8 > end) throw truncated();
        this.pos += 8;
        return;
      case LEN:
        this.pos = this.sub(end);
        return;
      case I32:
        if (this.pos + 4 > end) throw truncated();
        this.pos += 4;
        return;
      case SGROUP: {
        if (depth >= MAX_DEPTH) throw malformed('groups nested too deeply');
        const field = tag >>> 3;
        for (;;) {
          const t = this.tag(end);
          if ((t & 7) === EGROUP) {
            if (t >>> 3 !== field) throw malformed('mismatched end group');
            return;
          }
          this.skip(t, end, depth + 1);
        }
      }
      case EGROUP:
        throw malformed('unexpected end group');
      default:
        throw malformed(`invalid wire type ${tag & 7}`);
    }
  }

  private copy8(end: number): void {
    const pos = this.pos;
    if (pos + 8 > end) throw truncated();
    const buf = this.buf;
    for (let k = 0; k < 8; k++) scratchBytes[k] = buf[pos + k];
    this.pos = pos + 8;
  }
}
