import { context, diag } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import http from 'node:http';
import https from 'node:https';
import { gzip } from 'node:zlib';

/**
 * POSTs encoded OTLP requests (http/protobuf) on keep-alive connections, the way the official
 * exporter does: retries on 429/502/503/504 and network errors with backoff (1 s x 1.5, at most
 * 5 s, ±20% jitter, or the server's Retry-After), at most 5 retries and never past the timeout;
 * optional gzip; the export's own HTTP request is not traced.
 */

export interface HttpSenderOptions {
  url: string;
  headers: Record<string, string>;
  /** Per export, retries included (default 10 000 ms, `OTEL_EXPORTER_OTLP_TIMEOUT`). */
  timeoutMillis: number;
  compression: 'gzip' | 'none';
}

export type SendResult = { ok: true } | { ok: false; retryable: boolean; error: Error };

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
export function partialSuccessOf(body: Buffer): { rejected: number; message: string } | undefined {
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

export function createHttpSender(options: HttpSenderOptions): HttpSender {
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
      context.with(suppressTracing(context.active()), () => {
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
                if (partial) diag.warn(`tracelight: collector rejected ${partial.rejected} spans: ${partial.message}`);
                resolve({ ok: true });
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
      if (result.ok) return { ok: true };
      return { ok: false, retryable: result.retryable, error: result.error };
    },
    shutdown() {
      agent.destroy();
    },
  };
}
