import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RetentionPolicy, RetentionResult } from '@tracelight/store';
import { createDedupWindow } from './dedup-window.js';
import { DependencyIndex } from './dependencies.js';
import { Dictionaries } from './dictionaries.js';
import type { CallMethod, DuckDBStoreStats, Request, Response, WireError, WorkerConfig } from './protocol.js';
import { ConnectionPool, Reader } from './reader.js';
import { DDL, DEPENDENCY_FILE, SCHEMA_VERSION } from './schema.js';
import { GroupWriter } from './writer.js';

// The writer worker: owns the DuckDB database. Writes are group-committed (writer.ts); reads run
// on a small pool of connections. Everything heavy inside DuckDB runs on DuckDB's own threads via
// async calls, so this thread stays free to take messages while a commit or checkpoint runs.

const port = parentPort!;
const config = workerData as WorkerConfig;

function toWireError(error: unknown, fallbackCode: string, retryable: boolean): WireError {
  const e = error as { code?: unknown; message?: unknown; retryable?: unknown };
  if (typeof e?.code === 'string' && /^STORE_/.test(e.code)) {
    return { code: e.code, message: String(e.message), retryable: e.retryable === true };
  }
  return { code: fallbackCode, message: error instanceof Error ? error.message : String(error), retryable };
}

const send = (message: Response) => port.postMessage(message);

const cpuMs = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

async function main(): Promise<void> {
  mkdirSync(dirname(config.path), { recursive: true });
  const instance = await DuckDBInstance.create(config.path, {
    memory_limit: `${Math.floor(config.memoryLimitBytes / 1024 / 1024)}MiB`,
    checkpoint_threshold: `${Math.floor(config.checkpointThresholdBytes / 1024 / 1024)}MiB`,
    // For a new file (an existing one keeps its own): a trace lookup loads one block per column
    // it reads, and 64 KiB blocks took a cold lookup at 10M spans from 9.3-11 to 7.3-7.5 ms
    // (p50) at no cost in bytes (59.1 vs 60.0 B/span; 32 KiB: 67.8, 16 KiB: 88).
    default_block_size: '65536',
    threads: String(config.threads),
  });
  const admin = await instance.connect();
  // A database of another schema version is refused before anything is created in it.
  const hasMeta = (await admin.runAndReadAll(`SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'meta'`)).getRowsJS().length > 0;
  const version = hasMeta ? (await admin.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema'`)).getRowsJS() : [];
  if (version.length > 0 && version[0][0] !== SCHEMA_VERSION) {
    const error = new Error(
      `${config.path} holds a Tracelight database of schema version ${String(version[0][0])}, and this version of Tracelight reads schema ` +
        `version ${SCHEMA_VERSION}; there is no migration between these pre-release schemas. Move that data folder away (or delete it), or start with another data folder (--data-dir).`,
    );
    Object.assign(error, { code: 'STORE_SCHEMA_MISMATCH' });
    throw error;
  }
  for (const ddl of DDL) await admin.run(ddl);
  if (version.length === 0) await admin.run(`INSERT INTO meta VALUES ('schema', '${SCHEMA_VERSION}')`);

  const dicts = new Dictionaries();
  await dicts.load(admin);
  const dedup = createDedupWindow(config.dedupWindowSpans);
  await primeDedup(admin, dedup, config.dedupWindowSpans);
  const writer = await GroupWriter.create([await instance.connect(), await instance.connect()], dicts, dedup, { maxGroupSpans: config.maxGroupSpans });
  const pool = new ConnectionPool([await instance.connect(), await instance.connect()]);
  const reader = new Reader(pool, dicts, writer.stats);
  // Dependencies: counts per minute kept by background steps on a connection of their own.
  const deps = await DependencyIndex.open({ con: await instance.connect(), dicts, writer: writer.stats, path: join(dirname(config.path), DEPENDENCY_FILE) });
  deps.start();

  let retentionRunning: Promise<RetentionResult> | undefined;
  const dataBytes = async (con: DuckDBConnection): Promise<number> => {
    const [[used, size]] = (
      await con.runAndReadAll(`SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()`)
    ).getRowsJS();
    const wal = `${config.path}.wal`;
    return Number(used) * Number(size) + (existsSync(wal) ? statSync(wal).size : 0);
  };

  const applyRetention = async (policy: RetentionPolicy): Promise<RetentionResult> => {
    // One at a time; a second call waits for the first.
    while (retentionRunning) await retentionRunning.catch(() => undefined);
    const run = async (): Promise<RetentionResult> => {
      let deletedSpans = 0;
      let deletedLogs = 0;
      const cutoffs: bigint[] = [];
      if (policy.olderThanUnixNano !== undefined) cutoffs.push(policy.olderThanUnixNano);
      const deleteBefore = async (cutoff: bigint) => {
        // Before and after: counts taken from spans about to go, or read before they went, are dropped.
        deps.retain(cutoff);
        // A kept span whose parent is deleted keeps the parent's id (it referred to its row).
        await admin.run(
          `UPDATE spans SET parent_id = p.span_id, parent_ref = 0 FROM spans p
          WHERE spans.parent_ref <> 0 AND spans.start_ns >= $1::BIGINT AND p.start_ns < $1::BIGINT
            AND p.grp = spans.grp AND p.seq = spans.seq - spans.parent_ref`,
          [cutoff],
        );
        deletedSpans += Number((await admin.run(`DELETE FROM spans WHERE start_ns < $1::BIGINT`, [cutoff])).rowsChanged);
        deletedLogs += Number((await admin.run(`DELETE FROM logs WHERE time_ns < $1::BIGINT`, [cutoff])).rowsChanged);
        await admin.run(`DELETE FROM trace_index WHERE max_start < $1::BIGINT`, [cutoff]);
        deps.retain(cutoff);
      };
      if (policy.olderThanUnixNano !== undefined) await deleteBefore(policy.olderThanUnixNano);
      if (policy.maxBytes !== undefined) {
        const bytes = await dataBytes(admin);
        if (bytes > policy.maxBytes) {
          // Drop the oldest share of spans (and logs older than the same cut) that the excess is
          // of the whole; deleted row groups are freed at the checkpoint below.
          const share = Math.min(1, 1 - policy.maxBytes / bytes);
          const [[cut, max]] = (await admin.runAndReadAll(`SELECT quantile_disc(start_ns, $1::DOUBLE), max(start_ns) FROM spans`, [share])).getRowsJS();
          if (cut !== null) {
            const cutoff = share >= 1 ? (max as bigint) + 1n : (cut as bigint);
            cutoffs.push(cutoff);
            await deleteBefore(cutoff);
          }
        }
      }
      if (deletedSpans + deletedLogs > 0) {
        reader.forgetLiveOps();
        const [[min]] = (await admin.runAndReadAll(`SELECT min(start_ns) FROM spans`)).getRowsJS();
        writer.stats.minStart = (min as bigint | null) ?? 0n;
        await admin.run('CHECKPOINT').catch(() => undefined);
      }
      return { deletedSpans, deletedLogs };
    };
    retentionRunning = run();
    try {
      return await retentionRunning;
    } finally {
      retentionRunning = undefined;
    }
  };

  const stats = async (): Promise<DuckDBStoreStats> => {
    const [[spans, logs]] = (await admin.runAndReadAll(`SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM logs)`)).getRowsJS();
    const w = writer.stats;
    return {
      spanCount: Number(spans),
      logCount: Number(logs),
      bytes: await dataBytes(admin),
      groupCommits: w.groups,
      duplicatesSkipped: w.duplicatesSkipped,
      appendMs: Math.round(w.appendMs),
      commitMs: Math.round(w.commitMs),
      workerCpuMs: Math.round(cpuMs()),
      dependencyMinutes: deps.countedBuckets,
    };
  };

  let timer: NodeJS.Timeout | undefined;
  if (config.maxAgeNano > 0n || config.maxBytes > 0) {
    timer = setInterval(() => {
      const now = BigInt(Date.now()) * 1_000_000n;
      const policy: RetentionPolicy = {
        ...(config.maxAgeNano > 0n ? { olderThanUnixNano: now - config.maxAgeNano } : {}),
        ...(config.maxBytes > 0 ? { maxBytes: config.maxBytes } : {}),
      };
      void applyRetention(policy).catch(() => undefined);
    }, config.retentionIntervalMs);
    timer.unref();
  }

  const calls: Record<CallMethod, (...args: never[]) => Promise<unknown>> = {
    getServices: () => reader.getServices(),
    getOperations: (q) => reader.getOperations(q),
    getTraces: (ids) => reader.getTraces(ids),
    findTraceIds: (q) => reader.findTraceIds(q),
    getTraceSummaries: (ids) => reader.getTraceSummaries(ids),
    // Dependencies have their own module (dependencies.ts), not the reader's.
    getDependencies: (q) => deps.links(q),
    getMetrics: (q) => reader.getMetrics(q),
    findLogs: (q) => reader.findLogs(q),
    applyRetention: (p) => applyRetention(p),
    stats: () => stats(),
  };

  let closing = false;
  port.on('message', (request: Request) => {
    const reply = (id: number, error: unknown, value?: unknown, code = 'STORE_INTERNAL', retryable = false) =>
      send(error === undefined ? { type: 'reply', id, ok: true, value } : { type: 'reply', id, ok: false, error: toWireError(error, code, retryable) });
    switch (request.type) {
      case 'spans':
      case 'logs':
        writer.enqueue({
          kind: request.type,
          wire: request.wire,
          size: request.type === 'spans' ? request.wire.n : request.wire.records.length,
          done: (error) => {
            if (error === undefined) reader.noteOps();
            // A failed commit wrote nothing: the client may send the batch again.
            reply(request.id, error, undefined, 'STORE_WRITE_FAILED', true);
          },
        });
        break;
      case 'call': {
        const fn = calls[request.method] as (...args: readonly unknown[]) => Promise<unknown>;
        fn(...request.args).then(
          (value) => reply(request.id, undefined, value),
          (error: unknown) => reply(request.id, error),
        );
        break;
      }
      case 'shutdown':
        if (closing) return;
        closing = true;
        if (timer) clearInterval(timer);
        void (async () => {
          try {
            await writer.drain();
            await deps.stop();
            while (retentionRunning) await retentionRunning.catch(() => undefined);
            writer.close();
            await admin.run('CHECKPOINT').catch(() => undefined);
            instance.closeSync();
            reply(request.id, undefined);
          } catch (error) {
            reply(request.id, error);
          }
        })();
        break;
    }
  });
  send({ type: 'ready' });
}

/** Remembers the ids of the most recent spans, so retries that span a restart are caught too. */
async function primeDedup(con: DuckDBConnection, dedup: ReturnType<typeof createDedupWindow>, window: number): Promise<void> {
  const limit = Math.floor(window / 2);
  const found = (await con.runAndReadAll(`SELECT trace_hi, trace_lo, span_id FROM spans ORDER BY grp DESC LIMIT ${limit}`)).getRowsJS();
  const ids = new Uint8Array(24);
  const view = new DataView(ids.buffer);
  for (let i = found.length - 1; i >= 0; i--) {
    view.setBigUint64(0, found[i][0] as bigint);
    view.setBigUint64(8, found[i][1] as bigint);
    view.setBigUint64(16, found[i][2] as bigint);
    dedup.seen(ids, 0, ids, 16);
  }
}

main().catch((error: unknown) => send({ type: 'fatal', error: toWireError(error, 'STORE_OPEN_FAILED', false) }));
