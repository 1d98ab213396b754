// The one place where values become SQL text. ClickHouse 18.16 has no query parameters, so every
// value that reaches a query goes through these functions; nothing else builds literals.
import { TracelightError } from '@tracelight/core';
import { StoreErrorCode } from '@tracelight/store';

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\0': '\\0', '\b': '\\b', '\f': '\\f', '\r': '\\r', '\n': '\\n', '\t': '\\t' };
// Backslash, quote, and every C0 control character or DEL.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;

// Values come from queries (a span kind of 1.5, a NaN severity): refusing them is refusing the query.
function bad(message: string): TracelightError {
  return new TracelightError(StoreErrorCode.INVALID_QUERY, message);
}

/**
 * A ClickHouse string literal. Backslash and quote are escaped, control characters become
 * `\xHH` (or their short escape), everything else is sent as UTF-8 as is (lone surrogates turn
 * into U+FFFD, exactly as they do when the same string is written with RowBinary).
 */
export function sqlString(value: string): string {
  if (typeof value !== 'string') throw bad(`expected a string, got ${typeof value}`);
  return `'${value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** Raw bytes as a string literal (every byte `\xHH`): compares with FixedString and String columns. */
export function sqlBytes(bytes: Uint8Array): string {
  let out = "'";
  for (const b of bytes) out += `\\x${b < 16 ? '0' : ''}${b.toString(16)}`;
  return `${out}'`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True for names we accept for databases, tables and clusters: letters, digits, underscore. */
export function isPlainIdentifier(name: string): boolean {
  return typeof name === 'string' && IDENTIFIER.test(name);
}

/** A back-quoted identifier. Only plain names are accepted: anything else is a configuration error. */
export function sqlIdentifier(name: string): string {
  if (!isPlainIdentifier(name)) throw bad(`not a plain identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** An unsigned 64-bit integer literal. */
export function sqlUInt64(value: bigint): string {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) throw bad(`not a UInt64: ${String(value)}`);
  return value.toString();
}

/** A signed 64-bit integer literal (negatives are wrapped in toInt64 so they never parse as UInt64 minus). */
export function sqlInt64(value: bigint): string {
  if (typeof value !== 'bigint' || value < I64_MIN || value > I64_MAX) throw bad(`not an Int64: ${String(value)}`);
  return value < 0n ? `toInt64('${value.toString()}')` : value.toString();
}

/** A safe integer (limits, kinds, status codes, severity numbers). */
export function sqlInt(value: number): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(`not a safe integer: ${String(value)}`);
  return value < 0 ? `(${value})` : String(value);
}

/** A finite double, written so that it reads back as the same double. */
export function sqlFloat(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`not a finite number: ${String(value)}`);
  const text = String(value);
  const literal = /[.eE]/.test(text) ? text : `${text}.0`;
  return value < 0 ? `(${literal})` : literal;
}

/** An array literal of values already turned into SQL by `each`. */
export function sqlArray<T>(values: readonly T[], each: (value: T) => string): string {
  return `[${values.map(each).join(', ')}]`;
}

/** A parenthesised list for `IN`; never empty (callers handle "no values" before building SQL). */
export function sqlInList<T>(values: readonly T[], each: (value: T) => string): string {
  if (values.length === 0) throw bad('an IN list needs at least one value');
  return `(${values.map(each).join(', ')})`;
}
