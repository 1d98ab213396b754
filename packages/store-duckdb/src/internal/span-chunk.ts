import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk } from '@duckdb/node-api';
import { SLOTS } from './dictionaries.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

const T = duckdb.Type;
const scalar = (t: duckdb.Type) => duckdb.create_logical_type(t);
/** Column types of `spans`, in the order of its DDL (schema.ts). */
const SPAN_TYPES = [
  ...[T.UBIGINT, T.UBIGINT, T.UBIGINT, T.UBIGINT, T.UBIGINT, T.BIGINT, T.BIGINT, T.UINTEGER, T.UINTEGER, T.UINTEGER].map(scalar),
  ...[T.UTINYINT, T.UINTEGER, T.UINTEGER, T.UINTEGER, T.UINTEGER, T.UINTEGER].map(scalar),
  ...Array.from({ length: SLOTS }, () => scalar(T.VARCHAR)),
  duckdb.create_list_type(scalar(T.VARCHAR)),
  ...[T.VARCHAR, T.VARCHAR, T.VARCHAR, T.VARCHAR, T.VARCHAR].map(scalar),
];
/** Column index of the first slot, of attr_more and of the columns after it. */
const SLOT0 = 16;
const MORE = SLOT0 + SLOTS;

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
  readonly parentId = new Uint8Array(CHUNK_ROWS * 8);
  /** BIGINT start and duration as pairs of 32-bit words, little-endian. */
  readonly start = new Uint32Array(CHUNK_ROWS * 2);
  readonly duration = new Uint32Array(CHUNK_ROWS * 2);
  readonly op = new Uint32Array(CHUNK_ROWS);
  readonly resource = new Uint32Array(CHUNK_ROWS);
  readonly scope = new Uint32Array(CHUNK_ROWS);
  readonly status = new Uint8Array(CHUNK_ROWS);
  readonly flags = new Uint32Array(CHUNK_ROWS);
  readonly droppedAttrs = new Uint32Array(CHUNK_ROWS);
  readonly droppedEvents = new Uint32Array(CHUNK_ROWS);
  readonly droppedLinks = new Uint32Array(CHUNK_ROWS);
  readonly keyset = new Uint32Array(CHUNK_ROWS);
  /** Attribute values by slot column; NULL where the row's keyset has no key in that slot. */
  readonly slots: StringColumn[] = Array.from({ length: SLOTS }, () => new StringColumn());
  /** Values beyond the slots, of all rows in order; `moreCount[r]` of them belong to row r. */
  more: Uint8Array[] = [];
  readonly moreCount = new Uint32Array(CHUNK_ROWS);
  readonly complex = new StringColumn();
  readonly statusMessage = new StringColumn();
  readonly traceState = new StringColumn();
  readonly events = new StringColumn();
  readonly links: (string | null)[] = [];

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
    copy(4, this.parentId, 8);
    copy(5, this.start, 8);
    copy(6, this.duration, 8);
    copy(7, this.op, 4);
    copy(8, this.resource, 4);
    copy(9, this.scope, 4);
    copy(10, this.status, 1);
    copy(11, this.flags, 4);
    copy(12, this.droppedAttrs, 4);
    copy(13, this.droppedEvents, 4);
    copy(14, this.droppedLinks, 4);
    copy(15, this.keyset, 4);
    for (let slot = 0; slot < SLOTS; slot++) this.slots[slot].write(vector(SLOT0 + slot), n);
    // attr_more: list entries (offset, length as u64 pairs), then the strings in the child; NULL
    // for rows without more values (nearly all).
    const list = vector(MORE);
    const entries = new Uint32Array(n * 4);
    let validity: Uint32Array | undefined;
    let offset = 0;
    for (let r = 0; r < n; r++) {
      const count = this.moreCount[r];
      entries[4 * r] = offset;
      entries[4 * r + 2] = count;
      offset += count;
      if (count === 0) {
        validity ??= new Uint32Array(Math.ceil(n / 64) * 2).fill(0xffffffff);
        validity[r >>> 5] &= ~(1 << (r & 31));
      }
    }
    duckdb.copy_data_to_vector(list, 0, entries.buffer, 0, entries.byteLength);
    if (validity) {
      duckdb.vector_ensure_validity_writable(list);
      duckdb.copy_data_to_vector_validity(list, 0, validity.buffer as ArrayBuffer, 0, validity.byteLength);
    }
    if (offset > 0) {
      duckdb.list_vector_reserve(list, offset);
      duckdb.list_vector_set_size(list, offset);
      const child = duckdb.list_vector_get_child(list);
      for (let i = 0; i < offset; i++) duckdb.vector_assign_string_element_len(child, i, this.more[i]);
    }
    this.complex.write(vector(MORE + 1), n);
    this.statusMessage.write(vector(MORE + 2), n);
    this.traceState.write(vector(MORE + 3), n);
    this.events.write(vector(MORE + 4), n);
    setStrings(vector(MORE + 5), this.links, n);
    this.rows = 0;
    this.more = [];
    this.moreCount.fill(0, 0, n);
    this.links.length = 0;
    return new DuckDBDataChunk(chunk);
  }
}

/** A VARCHAR column with NULLs from JS strings: strings one by one, then the validity mask in one copy. */
function setStrings(vector: duckdb.Vector, values: readonly (string | null)[], n: number): void {
  let validity: Uint32Array | undefined;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null) {
      duckdb.vector_assign_string_element(vector, i, v);
    } else {
      validity ??= new Uint32Array(Math.ceil(n / 64) * 2).fill(0xffffffff);
      validity[i >>> 5] &= ~(1 << (i & 31));
    }
  }
  if (validity) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, 0, validity.byteLength);
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
