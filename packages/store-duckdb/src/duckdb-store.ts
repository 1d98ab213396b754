import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogBatch, SpanBatch } from '@tracelight/core';
import { TracelightError } from '@tracelight/core';
import type { RetentionPolicy, RetentionResult, Store } from '@tracelight/store';
import { StoreErrorCode } from '@tracelight/store';
import type { CallMethod, DuckDBStoreStats, Request, Response, WorkerConfig } from './internal/protocol.js';
import { encodeLogBatch, encodeSpanBatch, spanWireBuffers, WireDictionary } from './internal/wire.js';

export interface DuckDBStoreOptions {
  /** Folder of the database files, created when missing. Default './tracelight-data'. */
  readonly dataDir?: string;
  /** DuckDB's memory limit (its own default would be 80% of RAM). Default 512 MiB. */
  readonly memoryLimitBytes?: number;
  /**
   * DuckDB's threads. Default (0): one per core but one, at least one. The cores left are for
   * this process's main thread and the store's worker; with a thread per core, DuckDB's threads
   * spin waiting for each other's tasks and took 25 % more CPU per span written on two cores,
   * and searches were slower, not faster (docs/adr/0002-duckdb-schema.md).
   */
  readonly threads?: number;
  /** Spans and logs older than this are deleted. Default 7 days; 0 keeps everything. */
  readonly maxAgeMs?: number;
  /** While the data takes more bytes than this, the oldest is deleted. Default 0 (no limit). */
  readonly maxBytes?: number;
  /** How often retention runs. Default 60 s. */
  readonly retentionIntervalMs?: number;
  /** Spans waiting to be committed beyond which writes are refused with STORE_BUSY. Default 200,000. */
  readonly maxQueuedSpans?: number;
  /** Largest group commit, in spans. Default 50,000. */
  readonly maxGroupSpans?: number;
  /** How many recent (trace id, span id) pairs are remembered to drop retried spans on write. Default 500,000. */
  readonly dedupWindowSpans?: number;
  /**
   * WAL size at which DuckDB checkpoints (folds the WAL into the database file). Every checkpoint
   * rewrites the table's last, partly filled row group and leaves the old blocks free in the file,
   * so a small threshold costs disk (see docs/adr/0002-duckdb-schema.md); a large one costs memory
   * and replay time after a crash. Default 64 MiB (DuckDB's own is 16 MiB).
   */
  readonly checkpointThresholdBytes?: number;
}

export const DUCKDB_STORE_DEFAULTS = {
  dataDir: './tracelight-data',
  memoryLimitBytes: 512 * 1024 * 1024,
  threads: 0,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  maxBytes: 0,
  retentionIntervalMs: 60_000,
  maxQueuedSpans: 200_000,
  maxGroupSpans: 50_000,
  dedupWindowSpans: 500_000,
  checkpointThresholdBytes: 64 * 1024 * 1024,
} as const;

/** The database file inside a data folder. */
export const DUCKDB_FILE = 'tracelight.duckdb';

export interface DuckDBStore extends Store {
  /** The database file. */
  readonly path: string;
  stats(): Promise<DuckDBStoreStats>;
}

function invalidConfig(message: string): TracelightError {
  return new TracelightError('STORE_CONFIG_INVALID', message);
}

function resolveOptions(options: DuckDBStoreOptions): WorkerConfig & { maxQueuedSpans: number } {
  for (const key of Object.keys(options)) {
    if (!(key in DUCKDB_STORE_DEFAULTS)) throw invalidConfig(`unknown DuckDB store option '${key}'`);
  }
  const o = { ...DUCKDB_STORE_DEFAULTS, ...options };
  const count = (name: keyof typeof o, min: number) => {
    const v = o[name] as number;
    if (!Number.isFinite(v) || v < min) throw invalidConfig(`${name} must be a number >= ${min}, got ${String(v)}`);
    return v;
  };
  if (typeof o.dataDir !== 'string' || o.dataDir === '') throw invalidConfig('dataDir must be a folder path');
  return {
    path: resolve(o.dataDir, DUCKDB_FILE),
    memoryLimitBytes: count('memoryLimitBytes', 64 * 1024 * 1024),
    threads: count('threads', 0) || Math.max(1, availableParallelism() - 1),
    maxGroupSpans: count('maxGroupSpans', 1),
    dedupWindowSpans: count('dedupWindowSpans', 1024),
    maxAgeNano: BigInt(Math.floor(count('maxAgeMs', 0))) * 1_000_000n,
    maxBytes: count('maxBytes', 0),
    retentionIntervalMs: count('retentionIntervalMs', 10),
    maxQueuedSpans: count('maxQueuedSpans', 1),
    checkpointThresholdBytes: count('checkpointThresholdBytes', 1024 * 1024),
  };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  spans: number;
}

/**
 * The embedded store. The database lives in a worker thread: DuckDB's appends, commits and
 * checkpoints can take the thread they run on for up to a second, and that must not be the
 * thread receiving spans. Writes are group-committed; each `writeSpans` resolves once its spans
 * are in the WAL. Options are checked here (unknown keys too) and throw STORE_CONFIG_INVALID.
 */
export function createDuckDBStore(options: DuckDBStoreOptions = {}): DuckDBStore {
  const config = resolveOptions(options);
  let worker: Worker | undefined;
  let state: 'new' | 'starting' | 'running' | 'closing' | 'closed' | 'failed' = 'new';
  let failure: TracelightError | undefined;
  let nextId = 1;
  let queuedSpans = 0;
  const pending = new Map<number, Pending>();
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  // Keysets and operations as small ids for the worker (one worker per store, so one dictionary).
  const wireDictionary = new WireDictionary();

  const failAll = (error: TracelightError) => {
    failure = error;
    state = 'failed';
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    queuedSpans = 0;
  };

  const send = (request: Request, spans = 0, transfer: ArrayBuffer[] = []): Promise<unknown> =>
    new Promise((resolvePromise, reject) => {
      pending.set(request.id, { resolve: resolvePromise, reject, spans });
      queuedSpans += spans;
      worker!.postMessage(request, transfer);
    });

  const onMessage = (message: Response) => {
    if (message.type !== 'reply') return;
    const p = pending.get(message.id);
    if (!p) return;
    pending.delete(message.id);
    queuedSpans -= p.spans;
    if (message.ok) p.resolve(message.value);
    else p.reject(new TracelightError(message.error.code, message.error.message, { retryable: message.error.retryable }));
  };

  const notOpen = () =>
    state === 'failed' && failure
      ? failure
      : new TracelightError(StoreErrorCode.CLOSED, state === 'new' || state === 'starting' ? 'the store is not started' : 'the store was shut down');

  const call = <T>(method: CallMethod, ...args: unknown[]): Promise<T> => {
    if (state !== 'running') return Promise.reject(notOpen());
    return send({ type: 'call', id: nextId++, method, args }) as Promise<T>;
  };

  const write = (type: 'spans' | 'logs', count: number, encode: () => Request): Promise<void> => {
    if (state !== 'running') return Promise.reject(notOpen());
    if (count === 0) return Promise.resolve();
    if (queuedSpans > 0 && queuedSpans + count > config.maxQueuedSpans) {
      return Promise.reject(
        new TracelightError(StoreErrorCode.BUSY, `${queuedSpans} ${type} are waiting to be committed`, { retryable: true, retryAfterMs: 1000 }),
      );
    }
    const request = encode();
    return send(request, count, request.type === 'spans' ? spanWireBuffers(request.wire) : []).then(() => undefined);
  };

  return {
    path: config.path,
    capabilities: { durable: true, logs: true, dependencies: true, metrics: true, retentionByAge: true, retentionBySize: true },

    start() {
      if (starting) return starting;
      state = 'starting';
      starting = new Promise<void>((resolvePromise, reject) => {
        const source = import.meta.url.endsWith('.ts');
        const url = new URL(source ? './internal/source-worker.mjs' : './internal/worker.js', import.meta.url);
        const { maxQueuedSpans: _ignored, ...workerConfig } = config;
        const w = new Worker(url, { workerData: workerConfig });
        worker = w;
        w.on('message', (message: Response) => {
          if (message.type === 'ready') {
            state = 'running';
            resolvePromise();
          } else if (message.type === 'fatal') {
            const error = new TracelightError(message.error.code, `DuckDB store: ${message.error.message}`);
            failAll(error);
            void w.terminate();
            reject(error);
          } else {
            onMessage(message);
          }
        });
        w.on('error', (err) => {
          const error = new TracelightError('STORE_UNAVAILABLE', `DuckDB store worker failed: ${err.message}`, { retryable: true, cause: err });
          failAll(error);
          reject(error);
        });
        w.on('exit', (code) => {
          if (state === 'closing' || state === 'closed') return;
          const error = new TracelightError('STORE_UNAVAILABLE', `DuckDB store worker exited (${code})`, { retryable: true });
          failAll(error);
          reject(error);
        });
      });
      return starting;
    },

    shutdown() {
      if (stopping) return stopping;
      if (state !== 'running') {
        state = state === 'failed' ? 'failed' : 'closed';
        stopping = worker ? worker.terminate().then(() => undefined) : Promise.resolve();
        return stopping;
      }
      state = 'closing';
      const w = worker!;
      stopping = (async () => {
        try {
          await send({ type: 'shutdown', id: nextId++ });
        } finally {
          state = 'closed';
          await w.terminate();
        }
      })();
      return stopping;
    },

    writeSpans(batch: SpanBatch) {
      return write('spans', batch.length, () => ({ type: 'spans', id: nextId++, wire: encodeSpanBatch(batch, wireDictionary) }));
    },
    writeLogs(batch: LogBatch) {
      return write('logs', batch.length, () => ({ type: 'logs', id: nextId++, wire: encodeLogBatch(batch) }));
    },
    getServices: () => call('getServices'),
    getOperations: (query) => call('getOperations', query),
    getTraces: (traceIds) => call('getTraces', traceIds),
    findTraceIds: (query) => call('findTraceIds', query),
    getTraceSummaries: (traceIds) => call('getTraceSummaries', traceIds),
    getDependencies: (query) => call('getDependencies', query),
    getMetrics: (query) => call('getMetrics', query),
    findLogs: (query) => call('findLogs', query),
    applyRetention: (policy: RetentionPolicy) => call<RetentionResult>('applyRetention', policy),
    stats: () => call<DuckDBStoreStats>('stats'),
  };
}
