// Span names such as `GET /users/123` or `/orders/9f1c…/items` carry ids: one series per id would
// explode a metric. Names that look like an HTTP route (`/path` or `METHOD /path`) get their
// id-like segments replaced by `{id}`; other names are left as they are.

const METHOD_AND_PATH = /^([A-Z]{3,10}) (\/\S*)$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]+$/i;
const NUMBER = /^[+-]?\d+([.,]\d+)?$/;
const HAS_DIGIT = /\d/;
const TOKEN = /^[A-Za-z0-9_~+=-]+$/;

/** The placeholder an id-like segment becomes. */
export const ID_PLACEHOLDER = '{id}';

/**
 * Whether a path segment looks like an identifier rather than a route word: a number, a UUID, a
 * hex string of 8+ characters with a digit (hashes, object ids), an email address, a long token with
 * digits (16+ characters: base64 ids, ULIDs), or a word with 3+ digits mixed in (`order-12345`).
 */
export function isIdSegment(segment: string): boolean {
  if (segment === '' || segment.startsWith('{') || segment.startsWith(':')) return false;
  if (NUMBER.test(segment)) return true;
  if (segment.includes('@')) return true;
  if (!HAS_DIGIT.test(segment)) return false;
  if (UUID.test(segment)) return true;
  if (segment.length >= 8 && HEX.test(segment)) return true;
  if (segment.length >= 16 && TOKEN.test(segment)) return true;
  let digits = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits >= 3;
}

function normalizePath(path: string): string {
  const q = path.search(/[?#]/);
  const bare = q < 0 ? path : path.slice(0, q);
  const parts = bare.split('/');
  let changed = q >= 0;
  for (let i = 0; i < parts.length; i++) {
    let seg = parts[i];
    try {
      if (seg.includes('%')) seg = decodeURIComponent(seg);
    } catch {
      // not valid percent-encoding: judged as written
    }
    if (isIdSegment(seg)) {
      parts[i] = ID_PLACEHOLDER;
      changed = true;
    }
  }
  return changed ? parts.join('/') : bare;
}

/**
 * `GET /users/123/orders/9f1c2a7e-…` → `GET /users/{id}/orders/{id}`; a query string or fragment
 * is dropped. Names that are not a path (`SELECT users`, `process job`) come back unchanged.
 */
export function normalizeSpanName(name: string): string {
  const first = name.charCodeAt(0);
  if (first === 47 /* / */) return normalizePath(name);
  if (first < 65 || first > 90) return name;
  const m = METHOD_AND_PATH.exec(name);
  if (!m) return name;
  const path = normalizePath(m[2]);
  return path === m[2] ? name : `${m[1]} ${path}`;
}

/** normalizeSpanName with a bounded cache (span names repeat; the cache is dropped when full). */
export function createSpanNameNormalizer(cacheSize = 10_000): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let out = cache.get(name);
    if (out === undefined) {
      out = normalizeSpanName(name);
      if (cache.size >= cacheSize) cache.clear();
      cache.set(name, out);
    }
    return out;
  };
}
