/**
 * The DuckDB schema (docs/adr/0002-duckdb-schema.md explains the choices and the numbers).
 *
 * - `spans`: one row per span, in arrival order. Ids as UBIGINTs (the trace id split in two);
 *   times as BIGINT ns; service, name and kind folded into `op_id`; resource, scope and the
 *   attribute keys + types ("keyset") as small ids into dictionary tables; attribute values as
 *   their text forms in 16 slot columns (the keyset says which key is in which slot, and a key
 *   keeps its slot across keysets, so a column holds the values of few keys: it compresses well
 *   and a search reads only it); events as one searchable string; the rarely set fields (dropped
 *   counts, status message, trace state, links, typed array/kvlist values, values beyond 16) as
 *   one JSON `extras`, NULL when none is set (wire.ts, Extras).
 * - `grp` is the group-commit number: strictly increasing, so its zone maps let a trace lookup
 *   read only the row groups its spans were written in. `seq` numbers the rows of a group commit;
 *   a parent written in the same batch is `parent_ref` rows back (or ahead) in it, and only other
 *   parents take their 8-byte `parent_id` (NULL for roots and referenced parents).
 * - `trace_index`: one row per (trace, group commit) — ~1/20 of the span rows — with an ART
 *   index on the *low half* of the trace id: random in every id scheme (W3C, 64-bit ids, X-Ray's
 *   time-prefixed ones), and an ART over 8-byte keys took 3 B an entry where one over the
 *   16-byte id took 46 (500k traces: 1.5 vs 22 MiB, rewritten at every checkpoint). Traces
 *   sharing a low half only cost a lookup more rows to filter.
 * - `dep_*` (in a file of their own, DEPENDENCY_FILE): calls between services counted per minute
 *   of child start time, kept up to date in the background (dependencies.ts). Derived from `spans`
 *   alone: a missing or emptied file is filled again, so adding them needed no new schema version.
 */
import { SLOTS } from './dictionaries.js';

export const SCHEMA_VERSION = '5';

/** The attribute value slots s0 … s15 (see dictionaries.ts). */
export const SLOT_COLUMNS = Array.from({ length: SLOTS }, (_, i) => `s${i}`);

export const DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ops (op_id UINTEGER, service VARCHAR, name VARCHAR, kind UTINYINT)`,
  `CREATE TABLE IF NOT EXISTS resources (resource_id UINTEGER, service VARCHAR, enc VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS scopes (scope_id UINTEGER, enc VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS event_keys (key VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS keysets (keyset_id UINTEGER, codes VARCHAR, keys VARCHAR, slots VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS spans (
    grp UBIGINT NOT NULL,
    trace_hi UBIGINT NOT NULL,
    trace_lo UBIGINT NOT NULL,
    span_id UBIGINT NOT NULL,
    seq UINTEGER NOT NULL,
    parent_ref INTEGER NOT NULL,
    parent_id UBIGINT,
    start_ns BIGINT NOT NULL,
    duration_ns BIGINT NOT NULL,
    op_id UINTEGER NOT NULL,
    resource_id UINTEGER NOT NULL,
    scope_id UINTEGER NOT NULL,
    status UTINYINT NOT NULL,
    flags UINTEGER NOT NULL,
    keyset_id UINTEGER NOT NULL,
    ${SLOT_COLUMNS.map((c) => `${c} VARCHAR,`).join(' ')}
    events VARCHAR,
    extras VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS trace_index (trace_lo UBIGINT NOT NULL, grp UBIGINT NOT NULL, max_start BIGINT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS trace_index_trace_lo ON trace_index (trace_lo)`,
  `CREATE TABLE IF NOT EXISTS logs (
    grp UBIGINT NOT NULL,
    time_ns BIGINT NOT NULL,
    ts_ns BIGINT NOT NULL,
    observed_ns BIGINT NOT NULL,
    severity UTINYINT NOT NULL,
    severity_text VARCHAR,
    service VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    body_type VARCHAR NOT NULL,
    attrs VARCHAR NOT NULL,
    dropped_attrs UINTEGER NOT NULL,
    flags UINTEGER NOT NULL,
    trace_id VARCHAR,
    span_id VARCHAR,
    event_name VARCHAR,
    resource_id UINTEGER NOT NULL,
    scope_id UINTEGER NOT NULL
  )`,
];

/** The dependency counts, in their own file attached as `deps` (dependencies.ts). */
export const DEPENDENCY_FILE = 'dependencies.duckdb';
export const DEPENDENCY_DDL = [
  `CREATE TABLE IF NOT EXISTS deps.dep_state (watermark UBIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS deps.dep_buckets (bucket BIGINT NOT NULL, min_parent_start BIGINT)`,
  `CREATE TABLE IF NOT EXISTS deps.dep_edges (
    bucket BIGINT NOT NULL, parent_op UINTEGER NOT NULL, child_op UINTEGER NOT NULL, calls UBIGINT NOT NULL, errors UBIGINT NOT NULL, min_parent_start BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS deps.dep_pending (
    bucket BIGINT NOT NULL, trace_hi UBIGINT NOT NULL, trace_lo UBIGINT NOT NULL, span_id UBIGINT NOT NULL, parent_id UBIGINT NOT NULL,
    op_id UINTEGER NOT NULL, status UTINYINT NOT NULL
  )`,
];
