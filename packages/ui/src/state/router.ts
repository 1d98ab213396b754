import { useSyncExternalStore } from 'react';

/**
 * A small hash router: the whole view state lives in `location.hash` as `#/<path>?<params>`, so
 * every view can be bookmarked and shared, and the server needs no route of its own.
 */
export interface Route {
  /** Path segments, decoded: `#/trace/abc` → ['trace', 'abc']. */
  readonly path: readonly string[];
  readonly params: URLSearchParams;
  /** The raw hash, for memo keys. */
  readonly hash: string;
}

function parse(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = text.indexOf('?');
  const pathText = q < 0 ? text : text.slice(0, q);
  const path = pathText
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path, params: new URLSearchParams(q < 0 ? '' : text.slice(q + 1)), hash };
}

let current: Route = parse(typeof location === 'undefined' ? '' : location.hash);
const listeners = new Set<() => void>();

function update() {
  if (location.hash === current.hash) return;
  current = parse(location.hash);
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('hashchange', update);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => current);
}

export function currentRoute(): Route {
  return current;
}

/** Builds `#/a/b?x=1` from segments and params (empty and undefined params are left out). */
export function href(path: readonly string[], params: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

/** Goes to `to` (a `#/…` link). `replace` keeps the history entry (for typing, zooming, selecting). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.hash) return;
  if (options.replace) history.replaceState(history.state, '', to);
  else history.pushState(history.state, '', to);
  update();
}

/** Changes some params of the current route (undefined or '' removes one). */
export function setParams(patch: Record<string, string | number | undefined | null>, options: { replace?: boolean } = {}): void {
  const params: Record<string, string> = Object.fromEntries(current.params);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === null || v === '') delete params[k];
    else params[k] = String(v);
  }
  navigate(href(current.path, params), options);
}

const HEX = /^[0-9a-f]+$/;

/** A trace id from data, or undefined: only 32 hex digits become a link (lower-cased). */
export function safeTraceId(text: string | undefined): string | undefined {
  const t = text?.toLowerCase();
  return t && t.length === 32 && HEX.test(t) && !/^0+$/.test(t) ? t : undefined;
}

export function safeSpanId(text: string | undefined): string | undefined {
  const t = text?.toLowerCase();
  return t && t.length === 16 && HEX.test(t) ? t : undefined;
}

/** `#/trace/<id>` for a validated trace id (and span), or undefined. */
export function traceHref(traceId: string, spanId?: string): string | undefined {
  const t = safeTraceId(traceId);
  if (!t) return undefined;
  const s = safeSpanId(spanId);
  return `#/trace/${t}${s ? `?span=${s}` : ''}`;
}
