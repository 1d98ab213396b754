import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSpanIdHex, isValidTraceIdHex, logBatchFromRecords, spanBatchFromSpans } from '@tracelight/core';
import { encodeLogsRequest, encodeTraceRequest } from '@tracelight/otlp';
import type { StoreReader } from '@tracelight/store';

/**
 * A tiny read-only window on the store, so people and tests can see what was ingested:
 *
 * - `GET /api/traces/{traceId}` → the trace as an OTLP-JSON ExportTraceServiceRequest (404 if unknown)
 * - `GET /api/logs?traceId=&spanId=&service=&limit=` → matching log records, newest first, as an
 *   OTLP-JSON ExportLogsServiceRequest
 *
 * TEMPORARY: this is the seam the query API (Jaeger-compatible `/api`, `/api/v3`) replaces on the
 * same port; nothing else should grow here.
 */
export interface DebugApi {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  address(): { host: string; port: number } | undefined;
}

export function createDebugApi(options: { store: StoreReader; host: string; port: number }): DebugApi {
  const { store } = options;
  let server: Server | undefined;
  let shutdownPromise: Promise<void> | undefined;

  const json = (res: ServerResponse, status: number, body: Uint8Array | string) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
  };
  const error = (res: ServerResponse, status: number, message: string) => json(res, status, JSON.stringify({ error: message }));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return error(res, 405, 'the debug API is read-only: use GET');
    const trace = /^\/api\/traces\/([^/]+)$/.exec(url.pathname);
    if (trace) {
      const traceId = trace[1].toLowerCase();
      if (!isValidTraceIdHex(traceId)) return error(res, 400, `not a trace id: ${trace[1]}`);
      const [found] = await store.getTraces([traceId]);
      if (!found) return error(res, 404, `trace ${traceId} not found`);
      return json(res, 200, encodeTraceRequest(spanBatchFromSpans(found.spans), 'json'));
    }
    if (url.pathname === '/api/logs') {
      const traceId = url.searchParams.get('traceId')?.toLowerCase() || undefined;
      const spanId = url.searchParams.get('spanId')?.toLowerCase() || undefined;
      const serviceName = url.searchParams.get('service') || undefined;
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? undefined : Number(limitText);
      if (traceId !== undefined && !isValidTraceIdHex(traceId)) return error(res, 400, `not a trace id: ${traceId}`);
      if (spanId !== undefined && !isValidSpanIdHex(spanId)) return error(res, 400, `not a span id: ${spanId}`);
      if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) return error(res, 400, `not a limit: ${limitText}`);
      const records = await store.findLogs({ traceId, spanId, serviceName, limit });
      return json(res, 200, encodeLogsRequest(logBatchFromRecords(records), 'json'));
    }
    return error(res, 404, `no such endpoint: ${url.pathname} (the debug API has /api/traces/{traceId} and /api/logs)`);
  };

  return {
    address() {
      const a = server?.address() as AddressInfo | null | undefined;
      return a ? { host: options.host, port: a.port } : undefined;
    },
    async start() {
      const s = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (res.headersSent) res.destroy();
          else error(res, 500, err instanceof Error ? err.message : String(err));
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port, options.host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      server = s;
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
