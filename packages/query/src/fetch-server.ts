import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { FetchHandler } from './query-handler.js';

export interface FetchServerOptions {
  readonly handler: FetchHandler;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port (see `address()`). */
  readonly port: number;
  /** Told about requests that failed outside the handler (a handler that threw, a broken socket). */
  readonly onError?: (error: unknown) => void;
}

export interface FetchServer {
  /** Listens; rejects when the port cannot be bound (e.g. EADDRINUSE). */
  start(): Promise<void>;
  /** Stops accepting connections and waits for requests in flight. Idempotent. */
  shutdown(): Promise<void>;
  /** Where it listens, once started. */
  address(): { host: string; port: number } | undefined;
}

const NO_BODY = new Set(['GET', 'HEAD']);

function toRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {
      // A header value Headers refuses (control characters): leave it out rather than fail.
    }
  }
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (!NO_BODY.has(method)) {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(new URL(req.url ?? '/', origin), init);
}

async function writeResponse(response: Response, res: ServerResponse, head: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (head || response.body === null) {
    res.end();
    await response.body?.cancel();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
      if (!res.write(value)) await new Promise<void>((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
    }
    res.end();
  } finally {
    reader.releaseLock();
  }
}

/**
 * Serves a fetch handler over node:http: each request becomes a Web `Request` (its body streamed,
 * its signal aborted when the client goes away) and the `Response` is streamed back. A handler
 * that throws gets a plain 500; nothing here can crash the process.
 */
export function createFetchServer(options: FetchServerOptions): FetchServer {
  const host = options.host ?? '127.0.0.1';
  let server: Server | undefined;
  let shutdownPromise: Promise<void> | undefined;
  let origin = `http://${host.includes(':') ? `[${host}]` : host}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let response: Response;
    try {
      response = await options.handler(toRequest(req, origin, abort.signal));
    } catch (err) {
      options.onError?.(err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' });
        res.end('{"error":{"httpCode":500,"code":"INTERNAL","message":"internal error"}}');
      }
      return;
    }
    await writeResponse(response, res, req.method === 'HEAD');
  };

  return {
    address() {
      const a = server?.address() as AddressInfo | null | undefined;
      return a ? { host, port: a.port } : undefined;
    },
    async start() {
      if (server) return;
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          options.onError?.(err);
          res.destroy();
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      s.on('clientError', (_err, socket) => socket.destroy());
      server = s;
      origin = `${origin}:${(s.address() as AddressInfo).port}`;
    },
    shutdown() {
      shutdownPromise ??= new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return shutdownPromise;
    },
  };
}
