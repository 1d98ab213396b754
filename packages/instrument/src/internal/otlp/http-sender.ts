import http from 'node:http';
import https from 'node:https';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gzip } from 'node:zlib';

/**
 * POSTs encoded OTLP requests (http/protobuf) on keep-alive connections, the way the official
 * exporter does: retries on 429/502/503/504 and network errors with backoff (1 s x 1.5, at most
 * 5 s, ±20% jitter, or the server's Retry-After), at most 5 retries and never past the timeout;
 * optional gzip.
 *
 * This module is also the entry of the kit's export thread (worker-sender.ts): started as a
 * worker with `workerData[SENDER_WORKER]` set, it sends what the main thread posts to it. It
 * therefore imports nothing but Node's own modules (the worker loads no OpenTelemetry package,
 * and from the TypeScript sources it runs under Node's type stripping, without a resolver).
 */

export interface HttpSenderOptions {
  url: string;
  headers: Record<string, string>;
  /** Per export, retries included (default 10 000 ms, `OTEL_EXPORTER_OTLP_TIMEOUT`). */
  timeoutMillis: number;
  compression: 'gzip' | 'none';
}

export interface InThreadSenderOptions extends HttpSenderOptions {
  /**
   * Runs the export's HTTP request: on the application's thread this is where tracing is
   * suppressed, so that the export is not traced itself.
   */
  untraced?: (request: () => void) => void;
}

/** What the collector said it rejected (OTLP partial success) of a delivered request. */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

export type SendResult = { ok: true; partial?: PartialSuccess } | { ok: false; retryable: boolean; error: Error };

export interface HttpSender {
  send(body: Buffer): Promise<SendResult>;
  shutdown(): void;
}

const USER_AGENT = 'tracelight-instrument';
const MAX_RETRIES = 5;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

function retryAfterMillis(value: string | string[] | undefined): number | undefined {
  if (value === undefined || Array.isArray(value)) return undefined;
  const seconds = Number.parseInt(value, 10);
  if (Number.isInteger(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The partial-success message of an ExportTraceServiceResponse, if any (field 1 { 1: rejected, 2: message }). */
export function partialSuccessOf(body: Buffer): PartialSuccess | undefined {
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= body.length) throw new RangeError('truncated');
      const b = body[p++];
      v += (b & 127) * 2 ** shift;
      if (b < 128) return v;
      shift += 7;
    }
  };
  try {
    while (p < body.length) {
      const tag = varint();
      if (tag !== 0x0a) return undefined;
      const end = varint() + p;
      let rejected = 0;
      let message = '';
      while (p < end) {
        const inner = varint();
        if (inner === 0x08) rejected = varint();
        else if (inner === 0x12) {
          const len = varint();
          message = body.toString('utf8', p, p + len);
          p += len;
        } else return undefined;
      }
      if (rejected > 0 || message) return { rejected, message };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function createHttpSender(options: InThreadSenderOptions): HttpSender {
  const untraced = options.untraced ?? ((request: () => void) => request());
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
  // Looked up per call (the HTTP instrumentation may have wrapped it since): suppression, not
  // an unwrapped reference, is what keeps the export out of the traces.
  const request = (u: URL, o: http.RequestOptions, cb: (res: http.IncomingMessage) => void): http.ClientRequest =>
    (secure ? https.request : http.request)(u, o, cb);
  const baseHeaders: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/x-protobuf',
    'user-agent': USER_AGENT,
    ...(options.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
  };

  function attempt(body: Buffer, timeoutMillis: number): Promise<SendResult & { retryAfter?: number }> {
    return new Promise((resolve) => {
      untraced(() => {
        const req = request(
          url,
          { method: 'POST', agent, headers: { ...baseHeaders, 'content-length': String(body.length) } },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_RESPONSE_BYTES) {
                res.destroy();
                resolve({ ok: false, retryable: false, error: new Error('OTLP response too large') });
                return;
              }
              chunks.push(c);
            });
            res.on('error', (error) => resolve({ ok: false, retryable: true, error }));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                const partial = partialSuccessOf(Buffer.concat(chunks));
                resolve(partial ? { ok: true, partial } : { ok: true });
              } else {
                const retryable = status === 429 || status === 502 || status === 503 || status === 504;
                resolve({
                  ok: false,
                  retryable,
                  error: new Error(`OTLP export failed: HTTP ${status} ${Buffer.concat(chunks).toString('utf8', 0, 200)}`),
                  retryAfter: retryable ? retryAfterMillis(res.headers['retry-after']) : undefined,
                });
              }
            });
          },
        );
        req.setTimeout(timeoutMillis, () => {
          req.destroy(new Error('OTLP export timed out'));
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          const retryable = error.message === 'OTLP export timed out' || (error.code !== undefined && RETRYABLE_CODES.has(error.code));
          resolve({ ok: false, retryable, error });
        });
        req.end(body);
      });
    });
  }

  async function compress(body: Buffer): Promise<Buffer> {
    if (options.compression !== 'gzip') return body;
    return new Promise((resolve, reject) => gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
  }

  return {
    async send(raw) {
      const deadline = Date.now() + options.timeoutMillis;
      let body: Buffer;
      try {
        body = await compress(raw);
      } catch (err) {
        return { ok: false, retryable: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
      let backoff = 1000;
      let result = await attempt(body, options.timeoutMillis);
      for (let retries = 0; !result.ok && result.retryable && retries < MAX_RETRIES; retries++) {
        const jittered = Math.min(backoff * (0.8 + Math.random() * 0.4), 5000);
        backoff *= 1.5;
        const wait = result.retryAfter ?? jittered;
        const remaining = deadline - Date.now();
        if (wait >= remaining) break;
        await new Promise((r) => setTimeout(r, wait).unref());
        result = await attempt(body, deadline - Date.now());
      }
      if (result.ok) return result.partial ? { ok: true, partial: result.partial } : { ok: true };
      return { ok: false, retryable: result.retryable, error: result.error };
    },
    shutdown() {
      agent.destroy();
    },
  };
}

/** The `workerData` key that makes this module serve as the export thread. */
export const SENDER_WORKER = 'tracelightHttpSender';

/** A send request from the application's thread. */
export interface SendMessage {
  id: number;
  body: Uint8Array;
}

/** Its answer: a `SendResult` with the error as its message (errors do not cross threads whole). */
export interface SentMessage {
  id: number;
  result: { ok: true; partial?: PartialSuccess } | { ok: false; retryable: boolean; message: string };
}

// The export thread: one sender, requests answered in the order their sends finish.
if (!isMainThread && parentPort !== null && (workerData as Record<string, unknown> | null)?.[SENDER_WORKER] !== undefined) {
  const port = parentPort;
  const sender = createHttpSender((workerData as Record<string, HttpSenderOptions>)[SENDER_WORKER]);
  port.on('message', (message: SendMessage) => {
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    void sender.send(body).then(
      (r) => port.postMessage({ id: message.id, result: r.ok ? r : { ok: false, retryable: r.retryable, message: r.error.message } } satisfies SentMessage),
      (err: unknown) => port.postMessage({ id: message.id, result: { ok: false, retryable: false, message: String(err) } } satisfies SentMessage),
    );
  });
}
