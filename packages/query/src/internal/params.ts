import { parseGoDuration } from './go-duration.js';
import { badRequest } from './http.js';

/** A query parameter's single value; '' counts as absent (as Go's `FormValue` reads it). */
export function param(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  return v === null || v === '' ? undefined : v;
}

/** Every non-empty value of a repeated parameter. */
export function params(url: URL, name: string): string[] {
  return url.searchParams.getAll(name).filter((v) => v !== '');
}

function parseError(name: string, value: string, what: string): Error {
  return badRequest(`unable to parse param '${name}': ${JSON.stringify(value)} is not ${what}`);
}

/** An integer (optional sign, decimal digits) as bigint, or a 400. */
export function bigIntParam(url: URL, name: string): bigint | undefined {
  const v = param(url, name);
  if (v === undefined) return undefined;
  if (!/^[+-]?\d{1,20}$/.test(v)) throw parseError(name, v, 'an integer');
  return BigInt(v);
}

export function intParam(url: URL, name: string, range: { min: number; max: number }): number | undefined {
  const v = bigIntParam(url, name);
  if (v === undefined) return undefined;
  if (v < BigInt(range.min) || v > BigInt(range.max)) {
    throw badRequest(`unable to parse param '${name}': must be between ${range.min} and ${range.max}, got ${v}`);
  }
  return Number(v);
}

/** An epoch time given in `unitNanos` units (1000 = microseconds, 1e6 = milliseconds), as nanoseconds. */
export function epochParam(url: URL, name: string, unitNanos: bigint): bigint | undefined {
  const v = bigIntParam(url, name);
  if (v === undefined) return undefined;
  if (v < 0n) throw badRequest(`unable to parse param '${name}': a time before 1970 (${v})`);
  return v * unitNanos;
}

/** A Go duration string ("1.2s", "100ms"), as nanoseconds. Negative durations are refused. */
export function goDurationParam(url: URL, name: string, options: { allowDays?: boolean } = {}): bigint | undefined {
  const v = param(url, name);
  if (v === undefined) return undefined;
  const d = parseGoDuration(v, options);
  if (d === undefined) throw parseError(name, v, 'a duration such as 1.5s or 100ms');
  if (d < 0n) throw badRequest(`unable to parse param '${name}': negative duration ${v}`);
  return d;
}

/** Go's strconv.ParseBool spellings. */
export function boolParam(url: URL, name: string): boolean | undefined {
  const v = param(url, name);
  if (v === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw parseError(name, v, 'a boolean');
}

/** RFC 3339 with up to nanosecond precision ("2024-05-01T10:00:00.123456789Z", "...+02:00"), as epoch nanoseconds. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC normalises out-of-range fields (month 13, day 32); a real timestamp round-trips.
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return undefined;
  }
  let nanos = BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const offsetMinutes = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    nanos -= sign * offsetMinutes * 60_000_000_000n;
  }
  return nanos;
}

export function rfc3339Param(url: URL, name: string): bigint | undefined {
  const v = param(url, name);
  if (v === undefined) return undefined;
  const t = parseRfc3339(v);
  if (t === undefined) throw parseError(name, v, 'an RFC 3339 time such as 2024-05-01T10:00:00Z');
  return t;
}
