import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk } from '@duckdb/node-api';
import { SLOTS } from './dictionaries.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

const T = duckdb.Type;
const scalar = (t: duckdb.Type) => duckdb.create_logical_type(t);
/** Column types of `spans`, in the order of its DDL (schema.ts). */
const SPAN_TYPES = [
  ...[T.UBIGINT, T.UBIGINT, T.UBIGINT, T.UBIGINT, T.UINTEGER, T.INTEGER, T.UBIGINT, T.BIGINT, T.BIGINT].map(scalar),
  ...[T.UINTEGER, T.UINTEGER, T.UINTEGER, T.UTINYINT, T.UINTEGER, T.UINTEGER].map(scalar),
  ...Array.from({ length: SLOTS + 2 }, () => scalar(T.VARCHAR)),
];
/** Column index of the first slot; events and extras follow the slots. */
const SLOT0 = 15;
const EVENTS = SLOT0 + SLOTS;

/** Bytes of a duckdb_string_t; strings up to INLINE bytes are stored in it (no heap). */
const STRING_T = 16;
const INLINE = 12;

/**
 * A VARCHAR column of a chunk being built, from UTF-8 bytes. A string of up to 12 bytes is
 * written straight into the vector's `duckdb_string_t` array (length, then the bytes inline,
 * zero-padded: the C API's public layout), all rows with one copy; only longer strings take a
 * call each (DuckDB copies them into the vector's string heap). No JS string is made.
 */
export class StringColumn {
  private readonly inline = new Uint8Array(CHUNK_ROWS * STRING_T);
  private readonly lengths = new Uint32Array(this.inline.buffer);
  /** Validity, one bit per row (1 = not NULL). */
  private readonly valid = new Uint32Array(CHUNK_ROWS / 32);
  private validCount = 0;
  /** Rows with long strings: row, then the bytes. */
  private long: (number | Uint8Array)[] = [];

  /** Row r gets the string in src[from, to); rows never set are NULL. */
  set(r: number, src: Uint8Array, from: number, to: number): void {
    const len = to - from;
    if (len <= INLINE) {
      const o = r * STRING_T;
      this.lengths[o >>> 2] = len;
      const out = this.inline;
      for (let i = 0; i < len; i++) out[o + 4 + i] = src[from + i];
    } else {
      this.long.push(r, src.subarray(from, to));
    }
    this.valid[r >>> 5] |= 1 << (r & 31);
    this.validCount++;
  }

  /** Writes rows [0, n) into the vector and empties the column. */
  write(vector: duckdb.Vector, n: number): void {
    if (this.validCount > 0) {
      duckdb.copy_data_to_vector(vector, 0, this.inline.buffer, 0, n * STRING_T);
      const long = this.long;
      for (let i = 0; i < long.length; i += 2) duckdb.vector_assign_string_element_len(vector, long[i] as number, long[i + 1] as Uint8Array);
    }
    if (this.validCount < n) {
      duckdb.vector_ensure_validity_writable(vector);
      // DuckDB's validity mask is u64 words: whole words of our u32 bits.
      duckdb.copy_data_to_vector_validity(vector, 0, this.valid.buffer, 0, Math.ceil(n / 64) * 8);
    }
    this.inline.fill(0, 0, n * STRING_T);
    this.valid.fill(0);
    this.validCount = 0;
    this.long = [];
  }
}

/**
 * Up to CHUNK_ROWS span rows in typed columns, written straight into a DuckDB data chunk: fixed
 * width columns with one copy each, strings as above. Ids arrive as big-endian bytes and are
 * stored as UBIGINTs, so their bytes are swapped into place here (no BigInt per span).
 */
export class SpanChunk {
  rows = 0;
  readonly grp = new BigUint64Array(CHUNK_ROWS);
  readonly traceHi = new Uint8Array(CHUNK_ROWS * 8);
  readonly traceLo = new Uint8Array(CHUNK_ROWS * 8);
  readonly spanId = new Uint8Array(CHUNK_ROWS * 8);
  /** Row number in the group commit. */
  readonly seq = new Uint32Array(CHUNK_ROWS);
  /** seq minus the parent's seq when the parent is in the same group commit, else 0. */
  readonly parentRef = new Int32Array(CHUNK_ROWS);
  /** The parent's id when it is not referred to by parentRef; NULL (validity bit 0) otherwise. */
  readonly parentId = new Uint8Array(CHUNK_ROWS * 8);
  readonly parentValid = new Uint32Array(CHUNK_ROWS / 32);
  /** BIGINT start and duration as pairs of 32-bit words, little-endian. */
  readonly start = new Uint32Array(CHUNK_ROWS * 2);
  readonly duration = new Uint32Array(CHUNK_ROWS * 2);
  readonly op = new Uint32Array(CHUNK_ROWS);
  readonly resource = new Uint32Array(CHUNK_ROWS);
  readonly scope = new Uint32Array(CHUNK_ROWS);
  readonly status = new Uint8Array(CHUNK_ROWS);
  readonly flags = new Uint32Array(CHUNK_ROWS);
  readonly keyset = new Uint32Array(CHUNK_ROWS);
  /** Attribute values by slot column; NULL where the row's keyset has no key in that slot. */
  readonly slots: StringColumn[] = Array.from({ length: SLOTS }, () => new StringColumn());
  readonly events = new StringColumn();
  readonly extras = new StringColumn();

  get full(): boolean {
    return this.rows === CHUNK_ROWS;
  }

  /** The rows as a DuckDB data chunk; the builder is empty again afterwards. */
  take(grp: bigint): DuckDBDataChunk {
    const n = this.rows;
    const chunk = duckdb.create_data_chunk(SPAN_TYPES);
    duckdb.data_chunk_set_size(chunk, n);
    const vector = (col: number) => duckdb.data_chunk_get_vector(chunk, col);
    const copy = (col: number, data: ArrayBufferView, bytesPerRow: number) =>
      duckdb.copy_data_to_vector(vector(col), 0, data.buffer as ArrayBuffer, data.byteOffset, n * bytesPerRow);
    this.grp.fill(grp, 0, n);
    copy(0, this.grp, 8);
    copy(1, this.traceHi, 8);
    copy(2, this.traceLo, 8);
    copy(3, this.spanId, 8);
    copy(4, this.seq, 4);
    copy(5, this.parentRef, 4);
    const parent = vector(6);
    duckdb.copy_data_to_vector(parent, 0, this.parentId.buffer, 0, n * 8);
    duckdb.vector_ensure_validity_writable(parent);
    duckdb.copy_data_to_vector_validity(parent, 0, this.parentValid.buffer, 0, Math.ceil(n / 64) * 8);
    copy(7, this.start, 8);
    copy(8, this.duration, 8);
    copy(9, this.op, 4);
    copy(10, this.resource, 4);
    copy(11, this.scope, 4);
    copy(12, this.status, 1);
    copy(13, this.flags, 4);
    copy(14, this.keyset, 4);
    for (let slot = 0; slot < SLOTS; slot++) this.slots[slot].write(vector(SLOT0 + slot), n);
    this.events.write(vector(EVENTS), n);
    this.extras.write(vector(EVENTS + 1), n);
    this.rows = 0;
    this.parentRef.fill(0, 0, n);
    this.parentValid.fill(0);
    return new DuckDBDataChunk(chunk);
  }
}

/** Copies 8 big-endian bytes as a little-endian u64 (a UBIGINT whose value is the big-endian number). */
export function swap8(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  dst[to] = src[from + 7];
  dst[to + 1] = src[from + 6];
  dst[to + 2] = src[from + 5];
  dst[to + 3] = src[from + 4];
  dst[to + 4] = src[from + 3];
  dst[to + 5] = src[from + 2];
  dst[to + 6] = src[from + 1];
  dst[to + 7] = src[from];
}
