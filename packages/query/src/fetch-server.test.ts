import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '@tracelight/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchServer } from './fetch-server.js';
import { createFetchServer } from './fetch-server.js';
import { createQueryHandler } from './query-handler.js';
import { createStaticHandler } from './static-handler.js';

let dir: string;
let server: FetchServer;
let url: string;
const errors: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tl-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tracelight</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', 'tl-secret.txt'), 'secret');
  const handler = createQueryHandler({
    store: createMemoryStore(),
    fallback: async (req) => (new URL(req.url).pathname === '/boom' ? Promise.reject(new Error('kaput')) : createStaticHandler({ root: dir })(req)),
    onInternalError: (err) => errors.push(err),
  });
  server = createFetchServer({ handler, port: 0 });
  await server.start();
  url = `http://127.0.0.1:${server.address()!.port}`;
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dir, '..', 'tl-secret.txt'), { force: true });
});

/** A raw request, so paths are sent exactly as written (fetch would normalise `..`). */
function raw(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createFetchServer + createStaticHandler', () => {
  it('serves the API and, outside /api, the UI files', async () => {
    const api = await fetch(`${url}/api/services`);
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ data: [], total: 0, limit: 0, offset: 0, errors: null });
    const index = await fetch(`${url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Tracelight</title>');
    const asset = await fetch(`${url}/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves the app for deep links, 404s missing files, and never leaves the root', async () => {
    expect(await (await fetch(`${url}/trace/abc`)).text()).toContain('Tracelight');
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
    for (const path of ['/../tl-secret.txt', '/%2e%2e/tl-secret.txt', '/assets/..%2f..%2ftl-secret.txt', '/%00']) {
      const res = await raw(path);
      expect(res.body, path).not.toContain('secret');
      expect([400, 404], path).toContain(res.status);
    }
  });

  it('answers HEAD without a body, and streams POST bodies to the handler', async () => {
    const head = await raw('/api/services', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const upload = await fetch(`${url}/api/tl/traces/upload`, { method: 'POST', body: JSON.stringify({ resourceSpans: [] }) });
    expect(await upload.json()).toEqual({ traces: [] });
  });

  it('turns a failing fallback into a 500 without details, and tells the host', async () => {
    const res = await fetch(`${url}/boom`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { httpCode: 500, code: 'INTERNAL', message: 'internal error' } });
    expect(errors.map((e) => (e as Error).message)).toContain('kaput');
  });

  it('refuses a port that is taken, and shuts down once', async () => {
    const again = createFetchServer({ handler: async () => new Response('x'), port: server.address()!.port });
    await expect(again.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const s = createFetchServer({ handler: async () => new Response('x'), port: 0 });
    await s.start();
    await Promise.all([s.shutdown(), s.shutdown()]);
    expect(s.address()).toBeUndefined(); // closed: no longer listening
  });
});
