import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../listen-error.js';

export interface HttpListener {
  start(): Promise<void>;
  /** Idempotent: stops accepting, lets in-flight requests finish for up to `shutdownTimeoutMs`, then cuts the rest. */
  shutdown(): Promise<void>;
  /** Where it listens once started (the real port when configured with 0). */
  address(): { host: string; port: number } | undefined;
  /** True once shutdown began: answers should say `connection: close`. */
  stopping(): boolean;
}

/**
 * The lifecycle every HTTP server of the collector shares (OTLP/HTTP, Zipkin, self-metrics):
 * listen with a ListenError naming the component, and a graceful, bounded shutdown.
 */
export function createHttpListener(options: {
  readonly component: string;
  readonly host: string;
  readonly port: number;
  readonly shutdownTimeoutMs: number;
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
}): HttpListener {
  let server: Server | undefined;
  let stopping = false;
  let shutdownPromise: Promise<void> | undefined;
  return {
    stopping: () => stopping,
    address() {
      const a = server?.address() as AddressInfo | null | undefined;
      return a ? { host: options.host, port: a.port } : undefined;
    },
    async start() {
      if (server) return;
      const s = createServer(options.onRequest);
      server = s;
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          server = undefined;
          reject(new ListenError(options.component, options.host, options.port, err));
        };
        s.once('error', onError);
        s.listen(options.port, options.host, () => {
          s.off('error', onError);
          resolve();
        });
      });
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        const s = server;
        if (!s) return;
        stopping = true;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        // In-flight requests finish (their answers say "connection: close"); after the grace period
        // whatever is left is cut.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.shutdownTimeoutMs)));
        await Promise.race([closed, timeout]);
        clearTimeout(timer);
        s.closeAllConnections();
        await closed;
        server = undefined;
      })();
      return shutdownPromise;
    },
  };
}

/** How long a connection closed on an unread body stays open after the answer (lingerAfterAnswer). */
const LINGER_MS = 2000;

/**
 * Call before answering a request whose body was not read to the end (too large, refused before
 * reading) with `connection: close`. Node destroys such a socket as soon as the answer is flushed;
 * with the client still sending, the kernel then resets the connection, and a reset makes the
 * client drop the answer if it has not read it yet (it sees ECONNRESET instead of the 413). Here
 * the socket half-closes after the answer and is destroyed when the client ends its side or after
 * `LINGER_MS`, reading nothing meanwhile, so what the client can still push is bounded by the
 * socket buffers.
 */
export function lingerAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  const socket = res.socket as (Socket & { destroySoon?: () => void }) | null;
  if (socket === null || req.complete) return;
  socket.destroySoon = function (this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}
