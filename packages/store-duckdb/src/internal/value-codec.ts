import type { AnyValue, Attributes, KeyValue } from '@tracelight/core';
import { anyValueToString, base64ToBytes, bytesToBase64 } from '@tracelight/core';

/**
 * How values are stored. Every attribute value is kept as its *text form* (core's
 * `anyValueToString`, what searches compare against) plus a one-letter type code, which together
 * give the exact value back:
 *
 *   s string · b bool · i int64 · d double · z double -0 · y bytes (base64) · e empty (null)
 *   a array · k kvlist (these two also keep a typed JSON form, see `toTyped`)
 *
 * Searchable text (event attributes, log attributes) is a run of `\x1f key \x1e text \x1d code`
 * entries closed by `\x1f`, with control characters in keys and texts escaped, so that a search
 * for key=value is one substring test: `\x1f key \x1e value \x1d`.
 */
export type TypeCode = 's' | 'b' | 'i' | 'd' | 'z' | 'y' | 'e' | 'a' | 'k';

export function typeCodeOf(value: AnyValue): TypeCode {
  switch (typeof value) {
    case 'string':
      return 's';
    case 'boolean':
      return 'b';
    case 'bigint':
      return 'i';
    case 'number':
      return Object.is(value, -0) ? 'z' : 'd';
    default:
      if (value === null) return 'e';
      if (value instanceof Uint8Array) return 'y';
      return Array.isArray(value) ? 'a' : 'k';
  }
}

export const textOf = anyValueToString;

/** The value back from its text and code (arrays and kvlists need their typed form instead). */
export function fromText(text: string, code: string): AnyValue {
  switch (code) {
    case 's':
      return text;
    case 'b':
      return text === 'true';
    case 'i':
      return BigInt(text);
    case 'd':
      return Number(text);
    case 'z':
      return -0;
    case 'y':
      return base64ToBytes(text) ?? new Uint8Array(0);
    default:
      return null;
  }
}

/**
 * A JSON-safe typed form that survives a round trip: strings and booleans as themselves, null,
 * {i: "int64"}, {d: number | "NaN" | "Infinity" | "-Infinity" | "-0"}, {y: base64}, {a: [...]},
 * {k: [[key, value], ...]}.
 */
export type Typed = string | boolean | null | { i: string } | { d: number | string } | { y: string } | { a: Typed[] } | { k: [string, Typed][] };

export function toTyped(value: AnyValue): Typed {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return { i: value.toString() };
    case 'number':
      return { d: Number.isFinite(value) && !Object.is(value, -0) ? value : Object.is(value, -0) ? '-0' : String(value) };
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return { y: bytesToBase64(value) };
      if (Array.isArray(value)) return { a: value.map(toTyped) };
      return { k: value.kvlist.map((kv): [string, Typed] => [kv.key, toTyped(kv.value)]) };
  }
}

export function fromTyped(t: Typed): AnyValue {
  if (t === null || typeof t === 'string' || typeof t === 'boolean') return t;
  if ('i' in t) return BigInt(t.i);
  if ('d' in t) return typeof t.d === 'number' ? t.d : t.d === '-0' ? -0 : Number(t.d);
  if ('y' in t) return base64ToBytes(t.y) ?? new Uint8Array(0);
  if ('a' in t) return t.a.map(fromTyped);
  return { kvlist: t.k.map(([key, v]) => ({ key, value: fromTyped(v) })) };
}

export function attributesToTyped(attributes: Attributes): [string, Typed][] {
  return attributes.map((kv) => [kv.key, toTyped(kv.value)]);
}

export function attributesFromTyped(list: readonly [string, Typed][]): KeyValue[] {
  return list.map(([key, v]) => ({ key, value: fromTyped(v) }));
}

// --- searchable text runs -------------------------------------------------------------------

const ESC = '\x1b';
// Matching control characters is the point here.
/* eslint-disable no-control-regex */
const CONTROL = /[\x00\x1b-\x1f]/g;
const HAS_CONTROL = /[\x00\x1b-\x1f]/;
const UNESCAPE = /\x1b([\x1b0@ABCD])/g;
/* eslint-enable no-control-regex */
const ESCAPE_CHAR: Record<string, string> = { '\x00': '\x1b0', '\x1b': '\x1b\x1b', '\x1c': '\x1b@', '\x1d': '\x1bA', '\x1e': '\x1bB', '\x1f': '\x1bC' };
const UNESCAPE_CHAR: Record<string, string> = { '0': '\x00', '\x1b': '\x1b', '@': '\x1c', A: '\x1d', B: '\x1e', C: '\x1f' };

/**
 * Escapes the delimiter characters \x1b–\x1f so that they never appear raw inside a field, and
 * NUL, which DuckDB's string appends would cut a string at. Every string the store keeps goes
 * through it (and searches escape their values the same way).
 */
export function escapeField(s: string): string {
  return HAS_CONTROL.test(s) ? s.replace(CONTROL, (c) => ESCAPE_CHAR[c]) : s;
}

export function unescapeField(s: string): string {
  return s.includes(ESC) ? s.replace(UNESCAPE, (_, c: string) => UNESCAPE_CHAR[c]) : s;
}

/** The substring a search for key=text looks for in a searchable run. */
export function searchPattern(key: string, text: string): string {
  return `\x1f${escapeField(key)}\x1e${escapeField(text)}\x1d`;
}

/**
 * Attributes as a searchable run (see the module comment); arrays and kvlists carry their typed
 * JSON after the code. Empty attributes give ''.
 */
/** One `\x1f key \x1e text \x1d code` entry of a searchable run (arrays and kvlists add their typed JSON). */
export function runEntry(key: string, value: AnyValue): string {
  const code = typeCodeOf(value);
  const entry = `\x1f${escapeField(key)}\x1e${escapeField(textOf(value))}\x1d${code}`;
  return code === 'a' || code === 'k' ? entry + escapeField(JSON.stringify(toTyped(value))) : entry;
}

/**
 * Attributes as a searchable run (see the module comment); arrays and kvlists carry their typed
 * JSON after the code. Empty attributes give ''.
 */
export function attributesToRun(attributes: Attributes): string {
  if (attributes.length === 0) return '';
  let out = '';
  for (const kv of attributes) out += runEntry(kv.key, kv.value);
  return out + '\x1f';
}

export function attributesFromRun(run: string): KeyValue[] {
  if (run === '') return [];
  const out: KeyValue[] = [];
  const entries = run.split('\x1f');
  // entries[0] is '' (before the first \x1f) and the last is '' (after the closing one).
  for (let i = 1; i < entries.length - 1; i++) {
    const entry = entries[i];
    const eq = entry.indexOf('\x1e');
    const end = entry.indexOf('\x1d', eq + 1);
    const key = unescapeField(entry.slice(0, eq));
    const code = entry.charAt(end + 1);
    const value =
      code === 'a' || code === 'k'
        ? fromTyped(JSON.parse(unescapeField(entry.slice(end + 2))) as Typed)
        : fromText(unescapeField(entry.slice(eq + 1, end)), code);
    out.push({ key, value });
  }
  return out;
}
