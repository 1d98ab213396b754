import type { Span } from '@tracelight/core';
import type { TraceModel } from '../model/trace-model.js';

/** What the page asks the trace worker. Every request has an `id` its answer repeats. */
export type WorkerRequest =
  | { readonly id: number; readonly type: 'init'; readonly base: string }
  /** A stored trace by id, or an uploaded one by its `upload:` key. */
  | { readonly id: number; readonly type: 'load'; readonly key: string }
  /** Starts fetching a stored trace's skeleton ahead of its `load`. */
  | { readonly id: number; readonly type: 'prefetch'; readonly key: string }
  | { readonly id: number; readonly type: 'upload'; readonly file: Blob }
  | { readonly id: number; readonly type: 'span'; readonly key: string; readonly row: number }
  | { readonly id: number; readonly type: 'find'; readonly key: string; readonly text: string };

export interface UploadedTrace {
  /** `upload:<n>:<trace id>`: what `load` takes. */
  readonly key: string;
  readonly traceId: string;
  readonly spanCount: number;
  readonly rootService: string;
  readonly rootName: string;
  readonly durationNano: number;
}

export interface LoadedTrace {
  readonly model: TraceModel;
  /** Milliseconds spent fetching and decoding, and building the model, in the worker. */
  readonly timings: { readonly fetchMs: number; readonly modelMs: number };
}

export interface SpanDetail {
  readonly span: Span;
  /** The server's clock-skew notes. */
  readonly warnings: readonly string[];
}

export type WorkerAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly message: string; readonly code: string; readonly status: number } };

/** Trace keys of uploads start with this; anything else is a stored trace id. */
export const UPLOAD_PREFIX = 'upload:';
