import type { AnyValue, KeyValue } from '@tracelight/core';
import { base64ToBytes } from '@tracelight/core';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { MAX_DEPTH } from './proto-reader.js';

/** A parsed JSON object. */
export type JsonObject = { readonly [key: string]: unknown };

const textDecoder = new TextDecoder();
const MAX_U64 = 0xffff_ffff_ffff_ffffn;
const MIN_I64 = -0x8000_0000_0000_0000n;
const MAX_I64 = 0x7fff_ffff_ffff_ffffn;
const UNSIGNED = /^\d{1,20}$/;
const SIGNED = /^-?\d{1,19}$/;
const INTEGER_LITERAL = /^-?\d+$/;

export function shapeError(message: string): OtlpDecodeError {
  return new OtlpDecodeError(`invalid OTLP/JSON: ${message}`);
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** An integer literal too long for a double, kept as its source text by the exact pass. */
class ExactInteger {
  constructor(readonly source: string) {}
}

// JSON.parse turns 1700000000000000001 into a double. With the source text of the literal
// (JSON.parse source access, Node >= 21) such integers stay exact, as ExactIntegers. A reviver
// slows JSON.parse down a lot, and senders normally write 64-bit integers as strings, so the
// first pass parses plainly; an int64/fixed64 field holding an unsafe integer number then throws
// NEEDS_EXACT_PASS, and the request is parsed and walked again with the reviver.
const keepLongIntegers: Reviver = (_key, value, context) =>
  typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source)
    ? new ExactInteger(context.source)
    : value;

const NEEDS_EXACT_PASS = Symbol('needs exact pass');
let exactPass = false;

/**
 * Parses the body as JSON (UTF-8, a BOM allowed) and walks it with `walk`, again with exact
 * integers when `walk` met an integer a double cannot hold. OtlpDecodeError when it is not JSON.
 */
export function parseAndWalk<T>(body: Uint8Array, walk: (root: unknown) => T): T {
  const text = textDecoder.decode(body);
  try {
    return walk(parseJson(text, false));
  } catch (err) {
    if (err !== NEEDS_EXACT_PASS) throw err;
  }
  exactPass = true;
  try {
    return walk(parseJson(text, true));
  } finally {
    exactPass = false;
  }
}

function parseJson(text: string, exact: boolean): unknown {
  try {
    return exact ? JSON.parse(text, keepLongIntegers as (key: string, value: unknown) => unknown) : JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** A 64-bit integer field given as a JSON number: exact when safe, else ask for the exact pass. */
function bigIntOfNumber(v: number): bigint {
  if (!Number.isSafeInteger(v) && !exactPass) throw NEEDS_EXACT_PASS;
  return BigInt(v);
}

/** A message field: an object, or undefined for a missing / null one. */
export function jObject(v: unknown, what: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof ExactInteger) throw shapeError(`${what} must be an object`);
  return v as JsonObject;
}

/** A repeated field: an array ([] for missing / null). */
export function jArray(v: unknown, what: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw shapeError(`${what} must be an array`);
  return v;
}

export function jString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw shapeError(`${what} must be a string`);
}

export function jBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  throw shapeError(`${what} must be true or false`);
}

/** uint32 / fixed32: a number or a decimal string. */
export function jUint32(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof ExactInteger) v = v.source;
  const n = typeof v === 'string' && UNSIGNED.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n;
  throw shapeError(`${what} must be an integer from 0 to 2^32-1`);
}

/** An enum for a byte column: its number, or its name as listed in `names` (see ProtoReader.enum8). */
export function jEnum(v: unknown, names: Readonly<Record<string, number>>, what: string): number {
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v];
  const n = jUint32(v, what);
  return n <= 0xff ? n : 0;
}

/** fixed64 (times): a decimal string, parsed exactly, or a number. */
export function jFixed64(v: unknown, what: string): bigint {
  if (v instanceof ExactInteger) v = v.source;
  if (typeof v === 'string') {
    if (UNSIGNED.test(v)) {
      const n = BigInt(v);
      if (n <= MAX_U64) return n;
    }
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 2 ** 64) {
      const n = bigIntOfNumber(v);
      if (n <= MAX_U64) return n;
    }
  } else if (v === undefined || v === null) {
    return 0n;
  }
  throw shapeError(`${what} must be an unsigned 64-bit integer (a decimal string or a number)`);
}

/** int64: a decimal string, parsed exactly, or a number. */
export function jInt64(v: unknown, what: string): bigint {
  if (v instanceof ExactInteger) v = v.source;
  let n: bigint | undefined;
  if (typeof v === 'string') {
    if (SIGNED.test(v)) n = BigInt(v);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) n = bigIntOfNumber(v);
  } else if (v === undefined || v === null) {
    return 0n;
  }
  if (n !== undefined && n >= MIN_I64 && n <= MAX_I64) return n;
  throw shapeError(`${what} must be a signed 64-bit integer (a decimal string or a number)`);
}

/** double: a number, "NaN", "Infinity", "-Infinity" or a numeric string. */
export function jDouble(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v instanceof ExactInteger) return Number(v.source);
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (!Number.isNaN(n)) return n;
  }
  throw shapeError(`${what} must be a number, "NaN", "Infinity" or "-Infinity"`);
}

/** bytes: base64, standard or URL-safe alphabet, padding optional. */
export function jBytes(v: unknown, what: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (typeof v === 'string') {
    const bytes = base64ToBytes(v.replace(/-/g, '+').replace(/_/g, '/'));
    if (bytes !== undefined) return bytes;
  }
  throw shapeError(`${what} must be base64`);
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = NIBBLE[65 + i] = 10 + i;

/**
 * A hex id (either case) written into `out` at `offset`. Returns 0 for a missing / empty id,
 * `size` when an id of that many bytes was written, -1 for anything else (wrong length, not hex).
 */
export function jHexId(v: unknown, out: Uint8Array, offset: number, size: number, what: string): number {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v !== 'string') throw shapeError(`${what} must be a hex string`);
  if (v.length !== 2 * size) return -1;
  for (let k = 0; k < size; k++) {
    const hi = v.charCodeAt(2 * k);
    const lo = v.charCodeAt(2 * k + 1);
    const h = hi < 128 ? NIBBLE[hi] : -1;
    const l = lo < 128 ? NIBBLE[lo] : -1;
    if (h < 0 || l < 0) return -1;
    out[offset + k] = (h << 4) | l;
  }
  return size;
}

/** A field under its lowerCamelCase name or its original proto name. */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

export function jAnyValue(v: unknown, depth: number): AnyValue {
  if (depth > MAX_DEPTH) throw shapeError('AnyValue nested too deeply');
  const o = jObject(v, 'AnyValue');
  if (o === undefined) return null;
  let x: unknown;
  if ((x = field(o, 'stringValue', 'string_value')) != null) return jString(x, 'AnyValue.stringValue');
  if ((x = field(o, 'boolValue', 'bool_value')) != null) return jBool(x, 'AnyValue.boolValue');
  if ((x = field(o, 'intValue', 'int_value')) != null) return jInt64(x, 'AnyValue.intValue');
  if ((x = field(o, 'doubleValue', 'double_value')) != null) return jDouble(x, 'AnyValue.doubleValue');
  if ((x = field(o, 'bytesValue', 'bytes_value')) != null) return jBytes(x, 'AnyValue.bytesValue');
  if ((x = field(o, 'arrayValue', 'array_value')) != null) {
    const values = jArray(jObject(x, 'AnyValue.arrayValue')?.values, 'ArrayValue.values');
    const out = new Array<AnyValue>(values.length);
    for (let k = 0; k < values.length; k++) out[k] = jAnyValue(values[k], depth + 1);
    return out;
  }
  if ((x = field(o, 'kvlistValue', 'kvlist_value')) != null) {
    return { kvlist: jKeyValues(jObject(x, 'AnyValue.kvlistValue')?.values, 'KeyValueList.values', depth + 1) };
  }
  return null;
}

export function jKeyValues(v: unknown, what: string, depth = 0): KeyValue[] {
  const list = jArray(v, what);
  const out = new Array<KeyValue>(list.length);
  for (let k = 0; k < list.length; k++) {
    const kv = jObject(list[k], 'KeyValue') ?? {};
    out[k] = { key: jString(kv.key, 'KeyValue.key'), value: jAnyValue(kv.value, depth + 1) };
  }
  return out;
}
