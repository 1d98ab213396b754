import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../internal/test-servers.js';
import { enableResponseHeaders, setResponseSpanContext } from './response-headers.js';

// A real node:http server answering in every way writeHead can be reached; the headers are
// read on the wire by a real client.
const sc = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 3 };
const TRACERESPONSE = `00-${sc.traceId}-${sc.spanId}-03`;

const answers: Record<string, (res: ServerResponse) => void> = {
  '/object': (res) => res.writeHead(200, { 'content-type': 'text/plain', 'x-app': '1' }).end('x'),
  '/reason': (res) => res.writeHead(201, 'Made', { 'x-app': '1' }).end('x'),
  '/flat-array': (res) => res.writeHead(200, ['x-app', '1', 'content-type', 'text/plain']).end('x'),
  '/nested-array': (res) => res.writeHead(200, [['x-app', '1']] as unknown as OutgoingHttpHeaders).end('x'),
  '/implicit': (res) => res.end('x'),
  '/set-header-then-object': (res) => {
    res.setHeader('x-early', 'e');
    res.writeHead(200, { 'x-app': '1' }).end('x');
  },
  '/app-own-object': (res) => res.writeHead(200, { TraceResponse: 'mine' }).end('x'),
  '/app-own-set': (res) => {
    res.setHeader('traceresponse', 'mine');
    res.end('x');
  },
  '/app-own-flat': (res) => res.writeHead(200, ['TRACERESPONSE', 'mine']).end('x'),
};

let url = '';
let undo: () => void = () => {};
const server = createServer((req, res) => {
  if (req.url !== '/unmarked') setResponseSpanContext(res, sc);
  (answers[req.url ?? ''] ?? ((r: ServerResponse) => r.end('plain')))(res);
});

beforeAll(async () => {
  undo = enableResponseHeaders({ traceResponseHeader: true, traceIdHeader: 'x-trace-id' });
  url = await listen(server);
});

afterAll(async () => {
  undo();
  await close(server);
});

async function get(path: string): Promise<Response> {
  const res = await fetch(`${url}${path}`);
  await res.text();
  return res;
}

describe('traceresponse and x-trace-id at writeHead', () => {
  it.each(['/object', '/reason', '/flat-array', '/nested-array', '/implicit', '/set-header-then-object'])(
    'are added to %s, next to the application’s headers',
    async (path) => {
      const res = await get(path);
      expect(res.headers.get('traceresponse')).toBe(TRACERESPONSE);
      expect(res.headers.get('x-trace-id')).toBe(sc.traceId);
      if (path !== '/implicit') expect(res.headers.get('x-app') ?? res.headers.get('x-early')).not.toBeNull();
    },
  );

  it('keeps the status line and reason phrase', async () => {
    const res = await get('/reason');
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made');
  });

  it.each(['/app-own-object', '/app-own-set', '/app-own-flat'])('leave a header the application set alone (%s)', async (path) => {
    const res = await get(path);
    expect(res.headers.get('traceresponse')).toBe('mine');
    expect(res.headers.get('x-trace-id')).toBe(sc.traceId);
  });

  it('are not added to a response that was not marked', async () => {
    const res = await get('/unmarked');
    expect(res.headers.get('traceresponse')).toBeNull();
  });
});
