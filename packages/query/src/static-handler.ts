import { open, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { FetchHandler } from './query-handler.js';

export interface StaticHandlerOptions {
  /** The folder served (the UI's build output). */
  readonly root: string;
  /**
   * Served for paths that name no file and have no extension, so a single-page app's deep links
   * (`/trace/abc`) load the app. Default 'index.html'; null turns this off.
   */
  readonly spaFallback?: string | null;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...extra } });
}

/**
 * Serves the files under `root` (GET and HEAD): the UI's static build, given to
 * `createQueryHandler({ fallback })`. Paths that would leave `root` (`..`, encoded or not) are
 * refused; files under `assets/` (content-hashed by the build) are cached for a year, the rest
 * revalidated on every load.
 */
export function createStaticHandler(options: StaticHandlerOptions): FetchHandler {
  const root = resolve(options.root);
  const fallback = options.spaFallback === undefined ? 'index.html' : options.spaFallback;

  const fileResponse = async (path: string, head: boolean): Promise<Response | undefined> => {
    let info;
    try {
      info = await stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile()) return undefined;
    const rel = path.slice(root.length + 1).split(sep).join('/');
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'cache-control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'last-modified': info.mtime.toUTCString(),
    };
    if (head) return new Response(null, { status: 200, headers });
    const handle = await open(path, 'r');
    const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>;
    return new Response(body, { status: 200, headers });
  };

  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed', { allow: 'GET, HEAD' });
    const head = request.method === 'HEAD';
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return plain(400, 'bad path');
    }
    if (pathname.includes('\0')) return plain(400, 'bad path');
    const path = resolve(join(root, pathname));
    if (path !== root && !path.startsWith(root + sep)) return plain(404, 'not found');
    const target = path === root || pathname.endsWith('/') ? join(path, 'index.html') : path;
    const found = await fileResponse(target, head);
    if (found) return found;
    if (fallback !== null && extname(pathname) === '') {
      const app = await fileResponse(join(root, fallback), head);
      if (app) return app;
    }
    return plain(404, 'not found');
  };
}
