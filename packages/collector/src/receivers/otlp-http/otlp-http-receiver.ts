import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OtlpFormat } from '@tracelight/otlp';
import { encodeExportResponse, encodeStatus } from '@tracelight/otlp';
import type { ComponentFactory } from '../../component.js';
import type { Signal } from '../../internal/ingest.js';
import { ingest } from '../../internal/ingest.js';
import { isHost, isPort, isPositiveInteger, resolveConfig } from '../../internal/config.js';
import { createHttpListener, lingerAfterAnswer } from '../../internal/http-listener.js';
import { refusalStatus, RpcCode } from '../../internal/status.js';
import type { RequestCounters } from '../../telemetry.js';
import { createReceiverCounters } from '../../telemetry.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';
import { formatHostPort } from '../../listen-error.js';
import { parseContentEncoding, readBody } from './read-body.js';

export interface OtlpHttpReceiverConfig {
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host: string;
  /** Default 4318; 0 picks a free port (see `address()`). */
  readonly port: number;
  /**
   * Largest request body accepted, in bytes, checked after decompression (and on the compressed
   * bytes too). Larger requests get 413 and the connection is closed. Default 20 MiB.
   */
  readonly maxBodyBytes: number;
  /** How long `shutdown()` waits for in-flight requests before cutting their connections. Default 10 s. */
  readonly shutdownTimeoutMs: number;
}

export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

const DEFAULTS: OtlpHttpReceiverConfig = Object.freeze({
  host: '127.0.0.1',
  port: 4318,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  shutdownTimeoutMs: 10_000,
});

const PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/logs': 'logs' };
const CONTENT_TYPES: Readonly<Record<OtlpFormat, string>> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP/HTTP receiver: `POST /v1/traces` and `/v1/logs`, protobuf or JSON, optionally gzip/deflate. */
export const otlpHttpReceiverFactory: ComponentFactory<OtlpHttpReceiverConfig, ReceiverDeps, Receiver> = {
  kind: 'receiver',
  type: 'otlp-http',
  defaultConfig: () => ({ ...DEFAULTS }),
  validateConfig: (config) =>
    resolveConfig('otlp-http', DEFAULTS, config, {
      host: isHost,
      port: isPort,
      maxBodyBytes: isPositiveInteger,
      shutdownTimeoutMs: isPositiveInteger,
    }),
  create: (config, deps) => createOtlpHttpReceiver(config, deps),
};

/** The media type of a Content-Type header as an OTLP format; undefined when it is neither. */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function createOtlpHttpReceiver(config: OtlpHttpReceiverConfig, deps: ReceiverDeps): Receiver {
  const counters = deps.counters ?? createReceiverCounters();
  const consumers = deps.next;
  const maxBytes = config.maxBodyBytes;

  const send = (
    res: ServerResponse,
    status: number,
    format: OtlpFormat,
    body: Uint8Array,
    options: { close?: boolean; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string | number> = { 'content-type': CONTENT_TYPES[format], 'content-length': body.length, ...options.headers };
    // Closing is how a request is cut off without reading the rest of its body; during shutdown
    // it lets keep-alive connections end after their last answer.
    if (options.close || listener.stopping()) headers.connection = 'close';
    if (options.close) lingerAfterAnswer(res.req, res);
    res.writeHead(status, headers);
    res.end(body);
  };

  const reject = (
    res: ServerResponse,
    outcome: keyof RequestCounters,
    status: number,
    rpcCode: number,
    message: string,
    format: OtlpFormat,
    headers?: Record<string, string>,
  ) => {
    counters.requests[outcome]++;
    // The body has not been read (or not all of it): close instead of reading it to reuse the connection.
    send(res, status, format, encodeStatus({ code: rpcCode, message }, format), { close: true, headers });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests.total++;
    const format = otlpFormatOf(req.headers['content-type']);
    const replyFormat = format ?? 'json';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const signal = PATHS[path] as Signal | undefined;
    if (signal === undefined || consumers[signal] === undefined) {
      const message = `no OTLP endpoint at ${path}: use POST /v1/traces or POST /v1/logs`;
      return reject(res, 'unsupported', 404, RpcCode.NOT_FOUND, message, replyFormat);
    }
    if (req.method !== 'POST') {
      return reject(res, 'unsupported', 405, RpcCode.UNIMPLEMENTED, `method ${req.method} not allowed: use POST`, replyFormat, { allow: 'POST' });
    }
    if (format === undefined) {
      const message = `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: use application/x-protobuf or application/json`;
      return reject(res, 'unsupported', 415, RpcCode.INVALID_ARGUMENT, message, replyFormat);
    }
    const encoding = parseContentEncoding(req.headers['content-encoding']);
    if (encoding === undefined) {
      const message = `unsupported Content-Encoding ${JSON.stringify(req.headers['content-encoding'])}: use gzip, deflate or none`;
      return reject(res, 'unsupported', 415, RpcCode.INVALID_ARGUMENT, message, format);
    }
    const refusal = deps.admit?.();
    if (refusal) {
      const status = refusalStatus(refusal);
      const headers = status.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(status.retryAfterSeconds) };
      return reject(res, 'throttled', status.http, status.rpc, refusal.message, format, headers);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) {
      return reject(res, 'tooLarge', 413, RpcCode.RESOURCE_EXHAUSTED, `body of ${declared} bytes is larger than the limit of ${maxBytes} bytes`, format);
    }

    const read = await readBody(req, encoding, maxBytes);
    counters.bytesReceived += read.wireBytes;
    if (!read.ok) {
      switch (read.reason) {
        case 'too-large':
          return reject(res, 'tooLarge', 413, RpcCode.RESOURCE_EXHAUSTED, read.message, format);
        case 'bad-encoding':
          return reject(res, 'invalid', 400, RpcCode.INVALID_ARGUMENT, read.message, format);
        case 'aborted':
          counters.requests.aborted++;
          res.destroy();
          return;
      }
    }

    const outcome = await ingest(signal, read.body, format, consumers, counters);
    switch (outcome.kind) {
      case 'ok':
        return send(res, 200, format, encodeExportResponse(signal, outcome, format));
      case 'invalid':
        return send(res, 400, format, encodeStatus({ code: RpcCode.INVALID_ARGUMENT, message: outcome.message }, format));
      case 'refused': {
        const status = refusalStatus(outcome.error);
        const headers = status.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(status.retryAfterSeconds) };
        return send(res, status.http, format, encodeStatus({ code: status.rpc, message: outcome.error.message }, format), { headers });
      }
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      // Only a bug gets here (encoding a response failed); answer if still possible, never crash.
      if (!res.headersSent) {
        const message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
        send(res, 500, 'json', encodeStatus({ code: RpcCode.INTERNAL, message }, 'json'), { close: true });
      } else {
        res.destroy();
      }
    });
  };

  // Declared after the handlers that use it: they run only once it exists.
  const listener = createHttpListener({
    component: 'otlp-http',
    host: config.host,
    port: config.port,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    onRequest,
  });

  return {
    type: 'otlp-http',
    counters,
    address: () => listener.address(),
    listeners() {
      const a = listener.address();
      return a ? [{ name: 'OTLP/HTTP', ...a, display: `http://${formatHostPort(a.host, a.port)}/v1/traces  /v1/logs` }] : [];
    },
    start: () => listener.start(),
    shutdown: () => listener.shutdown(),
  };
}
