import type { TraceState } from '@opentelemetry/api';
import { trimOws } from './traceparent.js';

/**
 * W3C Trace Context `tracestate` (https://www.w3.org/TR/trace-context-2/#tracestate-header).
 *
 * Unlike the OpenTelemetry JS default, which drops invalid members one by one and keeps the
 * rest, a header with any invalid member, a duplicated key or more than 32 members is discarded
 * whole, as the specification's processing model asks.
 */

/** At most 32 list-members (spec). */
export const MAX_TRACESTATE_MEMBERS = 32;
/** Propagators should keep tracestate within 512 characters (spec, "Tracestate Limits"). */
export const MAX_TRACESTATE_LENGTH = 512;
/** When over the length limit, members longer than this are removed first (spec). */
const LONG_MEMBER = 128;

function isLcAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isKeyChar(c: number): boolean {
  // lcalpha / DIGIT / "_" / "-" / "*" / "/"
  return isLcAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f;
}

function validKeyPart(s: string, from: number, to: number, maxLen: number, firstMayBeDigit: boolean): boolean {
  const len = to - from;
  if (len < 1 || len > maxLen) return false;
  const first = s.charCodeAt(from);
  if (!(isLcAlpha(first) || (firstMayBeDigit && isDigit(first)))) return false;
  for (let i = from + 1; i < to; i++) if (!isKeyChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * A list-member key: `simple-key` (lcalpha then up to 255 key characters) or a multi-tenant
 * `tenant-id@system-id` key (tenant: lcalpha/digit then up to 240; system: lcalpha then up to 13).
 */
export function isValidTracestateKey(key: string): boolean {
  const at = key.indexOf('@');
  if (at === -1) return validKeyPart(key, 0, key.length, 256, false);
  if (key.indexOf('@', at + 1) !== -1) return false;
  return validKeyPart(key, 0, at, 241, true) && validKeyPart(key, at + 1, key.length, 14, false);
}

/** A list-member value: 1 to 256 printable ASCII characters, no `,` or `=`, not ending in a space. */
export function isValidTracestateValue(value: string): boolean {
  const len = value.length;
  if (len < 1 || len > 256) return false;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return value.charCodeAt(len - 1) !== 0x20;
}

/**
 * An immutable `tracestate`. `set` puts the (new or updated) member first, as the spec asks of a
 * vendor that modifies its own entry; `serialize` keeps at most 32 members and 512 characters.
 */
export class W3CTraceState implements TraceState {
  readonly #entries: ReadonlyArray<readonly [string, string]>;
  // Immutable, so serialised once (every exported span and every injected header asks).
  #serialized: string | undefined;

  constructor(entries: ReadonlyArray<readonly [string, string]> = []) {
    this.#entries = entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  entries(): ReadonlyArray<readonly [string, string]> {
    return this.#entries;
  }

  get(key: string): string | undefined {
    for (const [k, v] of this.#entries) if (k === key) return v;
    return undefined;
  }

  /** Invalid keys or values leave the state unchanged (instrumentation never throws). */
  set(key: string, value: string): W3CTraceState {
    if (!isValidTracestateKey(key) || !isValidTracestateValue(value)) return this;
    const rest = this.#entries.filter(([k]) => k !== key);
    const next: Array<readonly [string, string]> = [[key, value], ...rest];
    return new W3CTraceState(next.slice(0, MAX_TRACESTATE_MEMBERS));
  }

  unset(key: string): W3CTraceState {
    if (this.get(key) === undefined) return this;
    return new W3CTraceState(this.#entries.filter(([k]) => k !== key));
  }

  serialize(): string {
    this.#serialized ??= this.#serialize();
    return this.#serialized;
  }

  #serialize(): string {
    let members = this.#entries.slice(0, MAX_TRACESTATE_MEMBERS).map(([k, v]) => `${k}=${v}`);
    let length = joinedLength(members);
    if (length > MAX_TRACESTATE_LENGTH) {
      // Spec: first drop members longer than 128 characters, from the right, then others.
      for (let i = members.length - 1; i >= 0 && length > MAX_TRACESTATE_LENGTH; i--) {
        if (members[i].length > LONG_MEMBER) {
          length -= members[i].length + 1;
          members = [...members.slice(0, i), ...members.slice(i + 1)];
        }
      }
      while (length > MAX_TRACESTATE_LENGTH && members.length > 0) {
        length -= members[members.length - 1].length + 1;
        members = members.slice(0, -1);
      }
    }
    return members.join(',');
  }
}

function joinedLength(members: string[]): number {
  let n = members.length > 0 ? members.length - 1 : 0;
  for (const m of members) n += m.length;
  return n;
}

/**
 * Parses the combined `tracestate` header value(s). Several headers are concatenated with `,`
 * in order (HTTP field combination). Empty members are skipped. Returns `undefined` when there is
 * nothing to propagate or when the header must be discarded: an invalid key or value, a
 * duplicated key, or more than 32 members.
 */
export function parseTracestate(header: string | string[] | undefined): W3CTraceState | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.length === 0) return undefined;
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const raw of value.split(',')) {
    const member = trimOws(raw);
    if (member.length === 0) continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const val = member.slice(eq + 1);
    if (!isValidTracestateKey(key) || !isValidTracestateValue(val)) return undefined;
    if (seen.has(key)) return undefined;
    seen.add(key);
    entries.push([key, val]);
    if (entries.length > MAX_TRACESTATE_MEMBERS) return undefined;
  }
  return entries.length === 0 ? undefined : new W3CTraceState(entries);
}
