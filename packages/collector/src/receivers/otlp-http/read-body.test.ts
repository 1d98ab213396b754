import type { IncomingMessage, Server } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BodyResult, ContentEncoding } from './read-body.js';
import { parseContentEncoding, readBody } from './read-body.js';

const LIMIT = 1024 * 1024;

// A real server whose handler reads the body with readBody and hands the result to the test.
let server: Server;
let port: number;
let pending: ((result: BodyResult) => void) | undefined;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const encoding = parseContentEncoding(req.headers['content-encoding']) as ContentEncoding;
    void readBody(req, encoding, LIMIT).then((result) => {
      pending?.(result);
      res.writeHead(result.ok ? 200 : 413, { connection: 'close' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function nextResult(): Promise<BodyResult> {
  return new Promise((resolve) => (pending = resolve));
}

/** Sends `body` in 64 KiB writes; resolves with the status, or 'reset' if the server cut the connection first. */
function post(body: Buffer, encoding?: string): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: encoding ? { 'content-encoding': encoding } : {} });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => resolve('reset'));
    for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536));
    req.end();
  });
}

describe('readBody', () => {
  it('reads a plain, a gzip and a deflate body', async () => {
    const body = Buffer.from('x'.repeat(200_000) + 'end');
    for (const [encoded, encoding] of [
      [body, undefined],
      [gzipSync(body), 'gzip'],
      [deflateSync(body), 'deflate'],
    ] as const) {
      const result = nextResult();
      expect(await post(encoded, encoding)).toBe(200);
      const r = await result;
      expect(r.ok).toBe(true);
      if (r.ok) expect(Buffer.from(r.body).equals(body)).toBe(true);
      expect(r.wireBytes).toBe(encoded.length);
    }
  });

  it('stops reading a plain body as soon as it passes the limit', async () => {
    const result = nextResult();
    const status = await post(Buffer.alloc(20 * LIMIT, 1));
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('too-large');
    // Read at most one chunk past the limit, nowhere near the 20 MiB sent.
    expect(r.wireBytes).toBeGreaterThan(LIMIT);
    expect(r.wireBytes).toBeLessThan(LIMIT + 256 * 1024);
    expect([413, 'reset']).toContain(status);
  });

  it('stops inflating a gzip bomb at the limit and stops reading its compressed bytes', async () => {
    // 64 gzip members of 16 MiB of zeros: 1 GiB when inflated, about 1 MiB on the wire.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    const started = performance.now();
    const result = nextResult();
    await post(bomb, 'gzip');
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('too-large');
      expect(r.message).toContain('decompressed');
    }
    // The limit (1 MiB inflated) is reached within the first member: most of the bomb is never read.
    expect(r.wireBytes).toBeLessThan(bomb.length / 4);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a compressed body that is itself over the limit', async () => {
    // Random bytes do not compress: the gzip stream is larger than the limit before inflating.
    const random = Buffer.alloc(3 * LIMIT);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    const result = nextResult();
    await post(gzipSync(random, { level: 0 }), 'gzip');
    const r = await result;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('too-large');
  });

  it('reports bad gzip and a client that goes away', async () => {
    let result = nextResult();
    expect(await post(Buffer.from('this is not gzip at all'), 'gzip')).toBe(413);
    let r = await result;
    expect(r.ok === false && r.reason).toBe('bad-encoding');

    result = nextResult();
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\npartial');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    r = await result;
    expect(r.ok === false && r.reason).toBe('aborted');
    expect(r.wireBytes).toBe(7);
  });

  it('knows which encodings it can undo', () => {
    expect(parseContentEncoding(undefined)).toBe('identity');
    expect(parseContentEncoding(' GZIP ')).toBe('gzip');
    expect(parseContentEncoding('x-gzip')).toBe('gzip');
    expect(parseContentEncoding('deflate')).toBe('deflate');
    expect(parseContentEncoding('br')).toBeUndefined();
    expect(parseContentEncoding('zstd')).toBeUndefined();
  });
});
