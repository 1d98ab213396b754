// The trace worker: fetches and decodes traces and builds their models off the page's thread,
// keeps the full spans (the page only gets the model's typed arrays), and answers detail and
// find-in-trace requests from them.
import type { Span } from '@tracelight/core';
import { serviceNameOf } from '@tracelight/core';
import type { ClientTrace, QueryClient } from '@tracelight/query/client';
import { createQueryClient, QueryClientError } from '@tracelight/query/client';
import { findRows } from '../model/find.js';
import type { TraceModel } from '../model/trace-model.js';
import { layoutTrace } from '../model/trace-model.js';
import type { LoadedTrace, SpanDetail, UploadedTrace, WorkerAnswer, WorkerRequest } from './trace-protocol.js';
import { UPLOAD_PREFIX } from './trace-protocol.js';

interface Held {
  readonly spansByRow: Span[];
  readonly warnings: ReadonlyMap<string, readonly string[]>;
}

/** Stored traces kept for details; uploads are kept for the page's lifetime (they cannot be fetched again). */
const MAX_HELD = 6;
const held = new Map<string, Held>();
const uploads = new Map<string, ClientTrace>();
let client: QueryClient | undefined;
let uploadCount = 0;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerAnswer, transfer?: Transferable[]): void;
};

function notFound(key: string): QueryClientError {
  return new QueryClientError('QUERY_NOT_FOUND', `trace ${key} not found`, 404);
}

function keep(key: string, value: Held) {
  held.delete(key);
  held.set(key, value);
  if (held.size > MAX_HELD) {
    for (const k of held.keys()) {
      if (held.size <= MAX_HELD) break;
      if (!k.startsWith(UPLOAD_PREFIX)) held.delete(k);
    }
  }
}

async function fetchTrace(key: string): Promise<ClientTrace> {
  if (key.startsWith(UPLOAD_PREFIX)) {
    const t = uploads.get(key);
    if (!t) throw notFound(key);
    return t;
  }
  const t = await client!.trace(key);
  if (!t) throw notFound(key);
  return t;
}

async function load(key: string): Promise<{ value: LoadedTrace; transfer: Transferable[] }> {
  const t0 = performance.now();
  const trace = await fetchTrace(key);
  const t1 = performance.now();
  const { model, spansByRow } = layoutTrace(trace.traceId, trace.spans, trace.warnings);
  keep(key, { spansByRow, warnings: trace.warnings });
  const t2 = performance.now();
  return { value: { model, timings: { fetchMs: t1 - t0, modelMs: t2 - t1 } }, transfer: transferablesOf(model) };
}

function transferablesOf(model: TraceModel): Transferable[] {
  const out: Transferable[] = [];
  for (const v of Object.values(model)) if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
  for (const v of Object.values(model.criticalPath)) if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
  return out;
}

async function heldFor(key: string): Promise<Held> {
  const h = held.get(key);
  if (h) return h;
  await load(key);
  return held.get(key)!;
}

async function upload(file: Blob): Promise<UploadedTrace[]> {
  const traces = await client!.upload(file);
  const n = ++uploadCount;
  return traces.map((t) => {
    const key = `${UPLOAD_PREFIX}${n}:${t.traceId}`;
    uploads.set(key, t);
    const ids = new Set(t.spans.map((s) => s.spanId));
    const root = t.spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1))[0];
    let start = 0n;
    let end = 0n;
    t.spans.forEach((s, i) => {
      if (i === 0 || s.startTimeUnixNano < start) start = s.startTimeUnixNano;
      if (i === 0 || s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    });
    return {
      key,
      traceId: t.traceId,
      spanCount: t.spans.length,
      rootService: root ? serviceNameOf(root.resource) : '',
      rootName: root?.name ?? '',
      durationNano: Number(end - start),
    };
  });
}

async function answer(req: WorkerRequest): Promise<{ value: unknown; transfer?: Transferable[] }> {
  switch (req.type) {
    case 'init':
      client = createQueryClient(req.base);
      return { value: true };
    case 'load':
      return load(req.key);
    case 'upload':
      return { value: await upload(req.file) };
    case 'span': {
      const h = await heldFor(req.key);
      const span = h.spansByRow[req.row];
      if (!span) throw new QueryClientError('QUERY_NOT_FOUND', `no row ${req.row} in trace ${req.key}`, 404);
      const detail: SpanDetail = { span, warnings: h.warnings.get(span.spanId) ?? [] };
      return { value: detail };
    }
    case 'find': {
      const rows = findRows((await heldFor(req.key)).spansByRow, req.text);
      return { value: rows, transfer: [rows.buffer] };
    }
  }
}

scope.onmessage = (event) => {
  const req = event.data;
  answer(req).then(
    ({ value, transfer }) => scope.postMessage({ id: req.id, ok: true, value }, transfer ?? []),
    (err: unknown) => {
      const e = err instanceof QueryClientError ? err : undefined;
      scope.postMessage({
        id: req.id,
        ok: false,
        error: { message: err instanceof Error ? err.message : String(err), code: e?.code ?? 'UI_WORKER_ERROR', status: e?.status ?? 0 },
      });
    },
  );
};
