import type { LoadedTrace, SpanDetail, UploadedTrace, WorkerAnswer, WorkerRequest } from './trace-protocol.js';
import { apiBase } from './base.js';

/** An error the worker answered with (the query client's code and HTTP status). */
export class TraceSourceError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status: number) {
    super(message);
    this.name = 'TraceSourceError';
    this.code = code;
    this.status = status;
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
type Body = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, Pending>();

function ensureWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./trace-worker.ts', import.meta.url), { type: 'module', name: 'tracelight-traces' });
    worker.onmessage = (event: MessageEvent<WorkerAnswer>) => {
      const a = event.data;
      const p = pending.get(a.id);
      if (!p) return;
      pending.delete(a.id);
      if (a.ok) p.resolve(a.value);
      else p.reject(new TraceSourceError(a.error.message, a.error.code, a.error.status));
    };
    worker.onerror = (event) => {
      for (const p of pending.values()) p.reject(new TraceSourceError(event.message || 'the trace worker failed', 'UI_WORKER_ERROR', 0));
      pending.clear();
    };
    const init: WorkerRequest = { id: ++seq, type: 'init', base: apiBase() };
    worker.postMessage(init);
  }
  return worker;
}

function call<T>(body: Body): Promise<T> {
  const w = ensureWorker();
  const id = ++seq;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    w.postMessage({ ...body, id });
  });
}

/** Traces through the worker: models for the views, single spans for the detail panel. */
export const traceSource = {
  /** Starts the worker ahead of the first request (its script loads while the page renders). */
  warmUp: (): void => void ensureWorker(),
  /** Starts fetching a stored trace's skeleton; the next `load` of the key uses it. */
  prefetch: (key: string): void => void call<boolean>({ type: 'prefetch', key }).catch(() => undefined),
  load: (key: string) => call<LoadedTrace>({ type: 'load', key }),
  upload: (file: Blob) => call<UploadedTrace[]>({ type: 'upload', file }),
  span: (key: string, row: number) => call<SpanDetail>({ type: 'span', key, row }),
  find: (key: string, text: string) => call<Uint32Array>({ type: 'find', key, text }),
};
