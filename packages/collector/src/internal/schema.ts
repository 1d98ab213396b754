// Config validation for the YAML config (and its defaults): small parsers that check one value
// each and collect every problem with its path, so one start-up error lists all of them.
import { ConfigError } from '../component.js';

/** Checks `value` found at `path`; on a problem, records it and returns a stand-in value. */
export type Parser<T> = (value: unknown, path: string, problems: string[]) => T;

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

const fail = <T>(problems: string[], path: string, what: string, value: unknown): T => {
  problems.push(`${path}: must be ${what} (got ${show(value)})`);
  return undefined as T;
};

export const str =
  (options: { nonEmpty?: boolean } = {}): Parser<string> =>
  (v, path, p) =>
    typeof v === 'string' && (!options.nonEmpty || v.trim() !== '') ? v : fail(p, path, options.nonEmpty ? 'a non-empty string' : 'a string', v);

export const bool: Parser<boolean> = (v, path, p) => (typeof v === 'boolean' ? v : fail(p, path, 'true or false', v));

export const num =
  (options: { min?: number; max?: number; integer?: boolean } = {}): Parser<number> =>
  (v, path, p) => {
    const { min = -Infinity, max = Infinity, integer = false } = options;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isSafeInteger(v));
    if (ok) return v;
    const range = min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` >= ${min}` : max < Infinity ? ` <= ${max}` : '';
    return fail(p, path, `${integer ? 'an integer' : 'a number'}${range}`, v);
  };

export const oneOf =
  <const T extends string>(values: readonly T[]): Parser<T> =>
  (v, path, p) =>
    values.includes(v as T) ? (v as T) : fail(p, path, `one of ${values.join(', ')}`, v);

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds, written like the Collector's: "200ms", "5s", "1m30s", or a number of ms. */
export const duration =
  (options: { min?: number } = {}): Parser<number> =>
  (v, path, p) => {
    const min = options.min ?? 0;
    let ms = NaN;
    if (typeof v === 'number') ms = v;
    else if (typeof v === 'string' && /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v.trim())) {
      ms = 0;
      for (const m of v.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]];
    }
    return Number.isFinite(ms) && ms >= min ? ms : fail(p, path, `a duration such as "200ms" or "5s"${min > 0 ? ` of at least ${min} ms` : ''}`, v);
  };

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes: a number, or text such as "20MiB" or "512kb". */
export const bytes =
  (options: { min?: number } = {}): Parser<number> =>
  (v, path, p) => {
    const min = options.min ?? 1;
    let n = NaN;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string') {
      const m = /^(\d+)\s*([a-z]*)$/i.exec(v.trim());
      const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
      if (m && unit !== undefined) n = Number(m[1]) * unit;
    }
    return Number.isSafeInteger(n) && n >= min ? n : fail(p, path, `a size in bytes (a number, or like "20MiB")${min > 1 ? ` of at least ${min}` : ''}`, v);
  };

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** "host:port" (IPv6 in brackets: "[::1]:4317"); port 0 picks a free port. */
export const endpoint: Parser<Endpoint> = (v, path, p) => {
  if (typeof v === 'string') {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v.trim());
    if (m && Number(m[3]) <= 65535) return { host: m[1] ?? m[2], port: Number(m[3]) };
  }
  return fail(p, path, 'an endpoint "host:port" such as "127.0.0.1:4318"', v);
};

export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** A JavaScript regular expression (source text, no slashes). */
export const regex: Parser<RegExp> = (v, path, p) => {
  if (typeof v === 'string') {
    try {
      return new RegExp(v);
    } catch (err) {
      p.push(`${path}: not a valid regular expression: ${(err as Error).message}`);
      return undefined as unknown as RegExp;
    }
  }
  return fail(p, path, 'a regular expression (a string)', v);
};

export const list =
  <T>(item: Parser<T>, options: { nonEmpty?: boolean } = {}): Parser<T[]> =>
  (v, path, p) => {
    if (!Array.isArray(v)) return fail(p, path, 'a list', v);
    if (options.nonEmpty && v.length === 0) return fail(p, path, 'a non-empty list', v);
    return v.map((x, i) => item(x, `${path}[${i}]`, p));
  };

/** A map with string keys chosen by the user (attribute names, ...), each value checked. */
export const record =
  <T>(value: Parser<T>): Parser<Record<string, T>> =>
  (v, path, p) => {
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) return fail(p, path, 'a map', v);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(x, `${path}.${k}`, p)]));
  };

/** Any value allowed as an attribute value in config: string, number, boolean. */
export const scalar: Parser<string | number | boolean> = (v, path, p) =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ? v : fail(p, path, 'a string, number or boolean', v);

export const optional =
  <T>(parser: Parser<T>): Parser<T | undefined> =>
  (v, path, p) =>
    v === undefined || v === null ? undefined : parser(v, path, p);

type Shape<T> = { readonly [K in keyof T]-?: Parser<T[K]> };

/**
 * An object with known keys. A key left out (or null, as YAML writes an empty value) takes its
 * default, given as it would be written in the config (so it is checked like a written value); a key without a default that is left out is required, unless its parser is optional().
 * Unknown keys are errors, listing the known ones.
 */
export function object<T extends object>(shape: Shape<T>, defaults: { readonly [K in keyof NoInfer<T>]?: unknown } = {}): Parser<T> {
  return (v, path, p) => {
    if (v === undefined || v === null) v = {};
    if (typeof v !== 'object' || Array.isArray(v)) return fail(p, path, 'a map of settings', v);
    const given = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(shape, key)) p.push(`${at(path, key)}: unknown key (known: ${Object.keys(shape).join(', ') || 'none'})`);
    }
    for (const [key, parser] of Object.entries(shape) as [string, Parser<unknown>][]) {
      const value = given[key] ?? (defaults as Record<string, unknown>)[key];
      if (value === undefined) {
        const probe: string[] = [];
        out[key] = parser(undefined, at(path, key), probe);
        if (probe.length > 0) p.push(`${at(path, key)}: is required`);
        continue;
      }
      out[key] = parser(value, at(path, key), p);
    }
    return out as T;
  };
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Runs a parser over a whole config; throws one ConfigError listing every problem. */
export function parseConfig<T>(parser: Parser<T>, value: unknown, path: string): T {
  const problems: string[] = [];
  const out = parser(value, path, problems);
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return out;
}
