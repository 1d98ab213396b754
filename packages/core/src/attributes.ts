import { bytesToBase64 } from './internal/base64.js';

/**
 * An OTLP AnyValue, as plain JavaScript values:
 * - `string`, `boolean`
 * - `number` is a double; `bigint` is an int64 (so 5n and 5.0 stay distinguishable and no
 *   int64 loses precision)
 * - `Uint8Array` is bytes
 * - an array is an ArrayValue
 * - `{ kvlist }` is a KeyValueList
 * - `null` is an AnyValue with no value set
 */
export type AnyValue = string | boolean | number | bigint | Uint8Array | AnyValue[] | KvList | null;

export interface KvList {
  readonly kvlist: readonly KeyValue[];
}

export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** Attributes keep OTLP's order (and, like OTLP, do not forbid repeated keys). */
export type Attributes = readonly KeyValue[];

export type AnyValueType = 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'array' | 'kvlist' | 'empty';

export function anyValueType(value: AnyValue): AnyValueType {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    default:
      if (value === null) return 'empty';
      if (value instanceof Uint8Array) return 'bytes';
      if (Array.isArray(value)) return 'array';
      return 'kvlist';
  }
}

export function isKvList(value: AnyValue): value is KvList {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Deep equality of two AnyValues (types must match: 5n is not 5). NaN equals NaN. */
export function anyValueEquals(a: AnyValue, b: AnyValue): boolean {
  if (a === b) return true;
  const ta = anyValueType(a);
  if (ta !== anyValueType(b)) return false;
  switch (ta) {
    case 'double':
      return Number.isNaN(a) && Number.isNaN(b);
    case 'bytes': {
      const x = a as Uint8Array;
      const y = b as Uint8Array;
      return x.length === y.length && x.every((v, i) => v === y[i]);
    }
    case 'array': {
      const x = a as AnyValue[];
      const y = b as AnyValue[];
      return x.length === y.length && x.every((v, i) => anyValueEquals(v, y[i]));
    }
    case 'kvlist':
      return attributesEqual((a as KvList).kvlist, (b as KvList).kvlist);
    default:
      return false;
  }
}

export function attributesEqual(a: readonly KeyValue[], b: readonly KeyValue[]): boolean {
  return a.length === b.length && a.every((kv, i) => kv.key === b[i].key && anyValueEquals(kv.value, b[i].value));
}

/** The value of the first attribute with this key, or undefined. */
export function getAttribute(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  for (const kv of attributes) if (kv.key === key) return kv.value;
  return undefined;
}

/**
 * A display/search string for a value: strings as they are, numbers and booleans in their
 * usual text form, bytes as base64, arrays and kvlists as JSON.
 */
export function anyValueToString(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
    case 'number':
      return String(value);
    default:
      if (value === null) return '';
      if (value instanceof Uint8Array) return bytesToBase64(value);
      return JSON.stringify(anyValueToJson(value));
  }
}

/** A JSON-safe form: int64 beyond 2^53 as a string, bytes as base64. */
export function anyValueToJson(value: AnyValue): unknown {
  switch (typeof value) {
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
    case 'boolean':
      return value;
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return bytesToBase64(value);
      if (Array.isArray(value)) return value.map(anyValueToJson);
      return Object.fromEntries(value.kvlist.map((kv) => [kv.key, anyValueToJson(kv.value)]));
  }
}
