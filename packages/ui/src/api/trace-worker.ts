// The trace worker: fetches a stored trace's skeleton (what the timeline draws) and builds its
// model off the page's thread; the page only gets the model's typed arrays. Span details are
// fetched one span at a time; the full trace (every attribute) is fetched only when a feature
// needs all of it (find-in-trace), or right away for small traces and uploads.
import type { Span } from '@tracelight/core';
import { serviceNameOf } from '@tracelight/core';
import type { ClientTrace, QueryClient, TraceSkeleton } from '@tracelight/query/client';
import { createQueryClient, QueryClientError } from '@tracelight/query/client';
import { findRows } from '../model/find.js';
import type { TraceModel } from '../model/trace-model.js';
import { layoutTrace, modelFromSkeleton } from '../model/trace-model.js';
import type { LoadedTrace, SpanDetail, UploadedTrace, WorkerAnswer, WorkerRequest } from './trace-protocol.js';
import { UPLOAD_PREFIX } from './trace-protocol.js';

interface Full {
  /** Undefined for a row whose span the full trace lacks (it changed between the two fetches). */
  readonly spansByRow: readonly (Span | undefined)[];
  readonly warnings: ReadonlyMap<string, readonly string[]>;
}

interface Held {
  readonly traceId: string;
  readonly spanIds: readonly string[];
  /** The full spans by row, once fetched (uploads: always). */
  full?: Promise<Full>;
}

/** Traces up to this many spans get their full spans fetched right after the skeleton (details and find answer at once). */
const EAGER_FULL_SPANS = 5000;

/** Stored traces kept for details; uploads are kept for the page's lifetime (they cannot be fetched again). */
const MAX_HELD = 6;
const held = new Map<string, Held>();
const uploads = new Map<string, ClientTrace>();
let client: QueryClient | undefined;
/** Skeletons asked for ahead of their load (a trace link being opened), by key; taken by `load`. */
const prefetched = new Map<string, Promise<TraceSkeleton | undefined>>();
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

/** The full spans of a stored trace in the skeleton's row order (a span the skeleton lacks is left out). */
async function fetchFull(key: string, spanIds: readonly string[]): Promise<Full> {
  const trace = await fetchTrace(key);
  const byId = new Map<string, Span>();
  for (const span of trace.spans) if (!byId.has(span.spanId)) byId.set(span.spanId, span);
  const spansByRow = spanIds.map((id) => byId.get(id));
  return { spansByRow, warnings: trace.warnings };
}

async function load(key: string): Promise<{ value: LoadedTrace; transfer: Transferable[] }> {
  const t0 = performance.now();
  if (key.startsWith(UPLOAD_PREFIX)) {
    const trace = await fetchTrace(key);
    const t1 = performance.now();
    const { model, spansByRow } = layoutTrace(trace.traceId, trace.spans, trace.warnings);
    keep(key, { traceId: trace.traceId, spanIds: model.spanIds, full: Promise.resolve({ spansByRow, warnings: trace.warnings }) });
    return { value: { model, timings: { fetchMs: t1 - t0, modelMs: performance.now() - t1 } }, transfer: transferablesOf(model) };
  }
  const early = prefetched.get(key);
  prefetched.delete(key);
  const skeleton = await (early ?? client!.skeleton(key));
  if (!skeleton) throw notFound(key);
  const t1 = performance.now();
  const model = modelFromSkeleton(skeleton);
  const h: Held = { traceId: model.traceId, spanIds: model.spanIds };
  keep(key, h);
  if (model.spanCount <= EAGER_FULL_SPANS) fullOf(key, h).catch(() => undefined);
  const t2 = performance.now();
  return { value: { model, timings: { fetchMs: t1 - t0, modelMs: t2 - t1 } }, transfer: transferablesOf(model) };
}

/** The full spans, fetched once per held trace (a failed fetch is tried again next time). */
function fullOf(key: string, h: Held): Promise<Full> {
  if (!h.full) {
    const p = fetchFull(key, h.spanIds);
    h.full = p;
    p.catch(() => {
      if (h.full === p) h.full = undefined;
    });
  }
  return h.full;
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
    case 'prefetch':
      if (!req.key.startsWith(UPLOAD_PREFIX) && !held.has(req.key) && !prefetched.has(req.key)) {
        const p = client!.skeleton(req.key);
        p.catch(() => undefined); // its load reports the failure
        prefetched.set(req.key, p);
      }
      return { value: true };
    case 'load':
      return load(req.key);
    case 'upload':
      return { value: await upload(req.file) };
    case 'span': {
      const h = await heldFor(req.key);
      const spanId = h.spanIds[req.row];
      if (spanId === undefined) throw new QueryClientError('QUERY_NOT_FOUND', `no row ${req.row} in trace ${req.key}`, 404);
      // From the full spans when they are here (or on their way); else just this span.
      if (h.full) {
        const full = await h.full.catch(() => undefined);
        const span = full?.spansByRow[req.row];
        if (full && span) return { value: { span, warnings: full.warnings.get(spanId) ?? [] } satisfies SpanDetail };
      }
      const one = await client!.span(h.traceId, spanId);
      if (!one) throw new QueryClientError('QUERY_NOT_FOUND', `span ${spanId} not found in trace ${req.key}`, 404);
      return { value: one satisfies SpanDetail };
    }
    case 'find': {
      const h = await heldFor(req.key);
      const rows = findRows((await fullOf(req.key, h)).spansByRow, req.text);
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
