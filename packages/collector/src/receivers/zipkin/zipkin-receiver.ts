import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComponentFactory } from '../../component.js';
import { createHttpListener, lingerAfterAnswer } from '../../internal/http-listener.js';
import type { Endpoint } from '../../internal/schema.js';
import { bytes, endpoint, object, parseConfig } from '../../internal/schema.js';
import { refusalStatus } from '../../internal/status.js';
import { formatHostPort } from '../../listen-error.js';
import { createReceiverCounters } from '../../telemetry.js';
import { parseContentEncoding, readBody } from '../otlp-http/read-body.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';
import { decodeZipkinV2, ZipkinDecodeError } from './zipkin-decode.js';

export interface ZipkinReceiverConfig {
  /** Default `127.0.0.1:9411`. */
  readonly endpoint: Endpoint;
  /** Largest body after decompression; larger ones get 413. Default 20 MiB. */
  readonly max_request_body_size: number;
}

const schema = object<ZipkinReceiverConfig>(
  { endpoint, max_request_body_size: bytes() },
  { endpoint: '127.0.0.1:9411', max_request_body_size: 20 * 1024 * 1024 },
);

const PATH = '/api/v2/spans';

/**
 * Zipkin v2 JSON receiver: `POST /api/v2/spans` (gzip allowed), answered 202 once the spans are
 * committed downstream. Malformed bodies get 400 with a message; spans with bad ids are left out
 * (counted as rejected) and the rest stored; refusals are 429 / 503 with Retry-After, as for OTLP.
 */
export const zipkinReceiverFactory: ComponentFactory<ZipkinReceiverConfig, ReceiverDeps, Receiver> = {
  kind: 'receiver',
  type: 'zipkin',
  signals: ['traces'],
  defaultConfig: () => parseConfig(schema, {}, 'receivers.zipkin'),
  validateConfig: (config, path = 'receivers.zipkin') => parseConfig(schema, config, path),
  create(config, deps) {
    const counters = deps.counters ?? createReceiverCounters();
    const text = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, close = false) => {
      const body = Buffer.from(message === '' ? '' : `${message}\n`);
      const h: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, ...headers };
      if (close || listener.stopping()) h.connection = 'close';
      if (close) lingerAfterAnswer(res.req, res);
      res.writeHead(status, h);
      res.end(body);
    };
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      counters.requests.total++;
      const path = (req.url ?? '/').split('?')[0];
      if (path !== PATH || !deps.next.traces) {
        counters.requests.unsupported++;
        return text(res, 404, `no Zipkin endpoint at ${path}: use POST ${PATH}`, {}, true);
      }
      if (req.method !== 'POST') {
        counters.requests.unsupported++;
        return text(res, 405, `method ${req.method} not allowed: use POST`, { allow: 'POST' }, true);
      }
      const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        counters.requests.unsupported++;
        return text(res, 415, `unsupported Content-Type ${JSON.stringify(type)}: this receiver takes Zipkin v2 JSON (application/json)`, {}, true);
      }
      const encoding = parseContentEncoding(req.headers['content-encoding']);
      if (encoding === undefined) {
        counters.requests.unsupported++;
        return text(res, 415, `unsupported Content-Encoding ${JSON.stringify(req.headers['content-encoding'])}: use gzip, deflate or none`, {}, true);
      }
      const refusal = deps.admit?.();
      if (refusal) {
        counters.requests.throttled++;
        const status = refusalStatus(refusal);
        return text(res, status.http, refusal.message, { 'retry-after': String(status.retryAfterSeconds ?? 1) }, true);
      }
      const read = await readBody(req, encoding, config.max_request_body_size);
      counters.bytesReceived += read.wireBytes;
      if (!read.ok) {
        if (read.reason === 'aborted') {
          counters.requests.aborted++;
          res.destroy();
          return;
        }
        counters.requests[read.reason === 'too-large' ? 'tooLarge' : 'invalid']++;
        return text(res, read.reason === 'too-large' ? 413 : 400, read.message, {}, true);
      }
      counters.bytesDecoded += read.body.length;
      let decoded;
      try {
        decoded = decodeZipkinV2(read.body);
      } catch (err) {
        counters.requests.invalid++;
        return text(res, 400, err instanceof ZipkinDecodeError ? err.message : `undecodable body: ${String(err)}`);
      }
      const { batch, rejected, errorMessage } = decoded;
      counters.spans.received += batch.length + rejected;
      counters.spans.rejected += rejected;
      if (batch.length === 0 && rejected > 0) {
        counters.requests.invalid++;
        return text(res, 400, errorMessage);
      }
      if (batch.length > 0) {
        const result = await deps.next.traces.consumeTraces(batch).catch((err: unknown) => ({ ok: false as const, retryable: false, error: err as never }));
        if (!result.ok) {
          counters.spans.refused += batch.length;
          counters.requests.refused++;
          const status = refusalStatus(result.error);
          const headers: Record<string, string> = status.retryAfterSeconds === undefined ? {} : { 'retry-after': String(status.retryAfterSeconds) };
          return text(res, status.http, String(result.error?.message ?? result.error), headers);
        }
        counters.spans.accepted += batch.length;
      }
      counters.requests.ok++;
      return text(res, 202, errorMessage);
    };
    const listener = createHttpListener({
      component: 'zipkin',
      host: config.endpoint.host,
      port: config.endpoint.port,
      shutdownTimeoutMs: 10_000,
      onRequest: (req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (res.headersSent) res.destroy();
          else text(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`, {}, true);
        });
      },
    });
    return {
      type: 'zipkin',
      counters,
      address: () => listener.address(),
      listeners() {
        const a = listener.address();
        return a ? [{ name: 'Zipkin', ...a, display: `http://${formatHostPort(a.host, a.port)}${PATH}` }] : [];
      },
      start: () => listener.start(),
      shutdown: () => listener.shutdown(),
    };
  },
};
