import type { LogBatch, Resource, SpanBatch } from '@tracelight/core';
import { TracelightError } from '@tracelight/core';
import type { RetentionPolicy, Store, StoreCapabilities } from '@tracelight/store';
import { StoreErrorCode } from '@tracelight/store';
import type { Connection } from './internal/connection.js';
import { createConnection } from './internal/connection.js';
import type { ClickHouseFeatures } from './internal/features.js';
import { featuresOf } from './internal/features.js';
import { InsertQueue } from './internal/insert-queue.js';
import { migrate } from './internal/migrate.js';
import * as reader from './internal/reader.js';
import type { ReaderContext } from './internal/reader.js';
import { applyRetention, stats } from './internal/retention.js';
import type { EncodedResource } from './internal/rows.js';
import { encodeLogRows, encodeResource, encodeResourceRows, encodeSpanRows } from './internal/rows.js';
import { RowBinaryWriter } from './internal/row-binary.js';
import type { SchemaContext } from './internal/schema.js';
import { LOG_COLUMNS, RESOURCE_COLUMNS, SPAN_INPUT_COLUMNS, tableNames, ttlStatements } from './internal/schema.js';
import { isPlainIdentifier, sqlString } from './internal/sql.js';

export interface ClickHouseStoreOptions {
  /** HTTP interface of the server clients talk to. Default `http://127.0.0.1:8123`. */
  readonly url?: string;
  /** Default `default`. */
  readonly username?: string;
  /** Default ''. */
  readonly password?: string;
  /** Created when missing. Letters, digits and underscores. Default `tracelight`. */
  readonly database?: string;
  /**
   * Name of a `<remote_servers>` cluster. When given, tables are ReplicatedMergeTree created
   * `ON CLUSTER`, read and written through `Distributed` tables sharded by trace id, and queries
   * prefer the first replica of each shard (load_balancing=in_order), so a read sees the writes
   * acknowledged before it while that replica is up. Needs ZooKeeper and `<distributed_ddl>`.
   */
  readonly cluster?: string;
  /** Per request. Default 60,000. */
  readonly requestTimeoutMs?: number;
  /** Default 10. */
  readonly maxOpenConnections?: number;
  /** Spans accepted and not yet acknowledged by the server, at most; beyond it writes reject with STORE_BUSY. Default 500,000. */
  readonly maxPendingSpans?: number;
  /** Log records likewise. Default 500,000. */
  readonly maxPendingLogs?: number;
  /** An insert is sent once it holds this many bytes (more rows wait for the next). Default 32 MiB. */
  readonly maxInsertBytes?: number;
  /** Inserts in flight at once per table. Default 1: rows that arrive meanwhile make the next insert bigger (fewer parts, less merging; measured ~25% less server CPU than 2). */
  readonly maxConcurrentInserts?: number;
  /** Create or upgrade the schema in start(). Default true. */
  readonly migrate?: boolean;
  /**
   * Keep spans and logs this many days: a table TTL on servers that have TTL (19.6+); on older
   * servers the store applies the retention itself every `retentionIntervalMs`. Default: keep all.
   */
  readonly retentionDays?: number;
  /** Default 3,600,000 (hourly). Only used on servers without TTL. */
  readonly retentionIntervalMs?: number;
}

const DEFAULTS = {
  url: 'http://127.0.0.1:8123',
  username: 'default',
  password: '',
  database: 'tracelight',
  cluster: undefined as string | undefined,
  requestTimeoutMs: 60_000,
  maxOpenConnections: 10,
  maxPendingSpans: 500_000,
  maxPendingLogs: 500_000,
  maxInsertBytes: 32 * 1024 * 1024,
  maxConcurrentInserts: 1,
  migrate: true,
  retentionDays: undefined as number | undefined,
  retentionIntervalMs: 3_600_000,
};

/** A Store on ClickHouse, plus what it learned from the server at start(). */
export interface ClickHouseStore extends Store {
  readonly database: string;
  readonly cluster: string | undefined;
  /** The server's features; undefined before start(). */
  readonly features: ClickHouseFeatures | undefined;
}

function configError(message: string): TracelightError {
  return new TracelightError('CLICKHOUSE_CONFIG', message);
}

function resolveOptions(options: ClickHouseStoreOptions): typeof DEFAULTS {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw configError(`unknown ClickHouse store option '${key}'`);
  }
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS;
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw configError(`url must be an http(s) URL, got ${JSON.stringify(o.url)}`);
  }
  if (!isPlainIdentifier(o.database)) throw configError(`database must be letters, digits and underscores, got ${JSON.stringify(o.database)}`);
  if (o.cluster !== undefined && !isPlainIdentifier(o.cluster)) throw configError(`cluster must be letters, digits and underscores, got ${JSON.stringify(o.cluster)}`);
  const positive = ['requestTimeoutMs', 'maxOpenConnections', 'maxPendingSpans', 'maxPendingLogs', 'maxInsertBytes', 'maxConcurrentInserts', 'retentionIntervalMs'] as const;
  for (const key of positive) {
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw configError(`${key} must be a positive integer, got ${o[key]}`);
  }
  if (o.retentionDays !== undefined && !(Number.isInteger(o.retentionDays) && o.retentionDays > 0)) {
    throw configError(`retentionDays must be a positive integer, got ${o.retentionDays}`);
  }
  return o;
}

/**
 * The scale-out store, on ClickHouse over HTTP: one server, or a sharded and replicated cluster.
 * Works with 18.16 (Debian's package) and turns on newer features (LowCardinality, codecs, skip
 * indexes, TTL) when `SELECT version()` says the server has them. Writes resolve once the server
 * acknowledged the insert; errors are TracelightErrors that say whether a retry can help.
 */
export function createClickHouseStore(options: ClickHouseStoreOptions = {}): ClickHouseStore {
  const o = resolveOptions(options);
  const tables = tableNames({ database: o.database });
  const clusterSettings: Record<string, string | number> = o.cluster ? { load_balancing: 'in_order', insert_distributed_sync: 1 } : {};
  let conn: Connection | undefined;
  let features: ClickHouseFeatures | undefined;
  let schema: SchemaContext | undefined;
  let readCtx: ReaderContext | undefined;
  let spanQueue: InsertQueue | undefined;
  let logQueue: InsertQueue | undefined;
  let starting: Promise<void> | undefined;
  let closed = false;
  let shuttingDown: Promise<void> | undefined;
  let retentionTimer: ReturnType<typeof setInterval> | undefined;
  let lastArrival = 0n;
  /** Resources this process has written (by id); others are written before the rows that use them. */
  const knownResources = new Set<string>();
  const MAX_KNOWN_RESOURCES = 100_000;
  /** Bytes per encoded row so far, by table, so that a batch's buffer rarely has to grow. */
  const bytesPerRow = { spans: 1024, logs: 512, resources: 512 };

  /** Encodes rows into a buffer of their own (held by the write queue until the insert is done). */
  const encode = (table: keyof typeof bytesPerRow, rows: number, write: (w: RowBinaryWriter) => void): Buffer => {
    const w = new RowBinaryWriter(Math.max(1024, Math.ceil(rows * bytesPerRow[table] * 1.1)));
    write(w);
    if (rows > 0) bytesPerRow[table] = Math.max(64, Math.round(0.8 * bytesPerRow[table] + (0.2 * w.pos) / rows));
    return w.view();
  };

  /** Resource inserts in flight, by resource id: concurrent writers of one resource share one. */
  const writingResources = new Map<string, Promise<void>>();

  /** Encodes the batch's resources and writes those this process has not written yet. */
  const ensureResources = async (c: Connection, resources: readonly Resource[]): Promise<EncodedResource[]> => {
    const encoded = resources.map(encodeResource);
    const waits: Promise<void>[] = [];
    const missing = new Map<string, EncodedResource>();
    for (const r of encoded) {
      if (knownResources.has(r.key) || missing.has(r.key)) continue;
      const inFlight = writingResources.get(r.key);
      if (inFlight) waits.push(inFlight);
      else missing.set(r.key, r);
    }
    if (missing.size > 0) {
      const rows = [...missing.values()];
      const insert = c.insertRowBinary(`${tables.resources} (${RESOURCE_COLUMNS.join(', ')})`, encode('resources', rows.length, (w) => encodeResourceRows(rows, w))).then(() => {
        if (knownResources.size + rows.length > MAX_KNOWN_RESOURCES) knownResources.clear();
        for (const r of rows) knownResources.add(r.key);
      });
      const settled = insert.finally(() => {
        for (const r of rows) writingResources.delete(r.key);
      });
      for (const r of rows) writingResources.set(r.key, settled);
      waits.push(settled);
    }
    await Promise.all(waits);
    return encoded;
  };

  const arrival = () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    lastArrival = now > lastArrival ? now : lastArrival + 1n;
    return lastArrival;
  };

  const ready = (): { conn: Connection; read: ReaderContext; schema: SchemaContext } => {
    if (closed) throw new TracelightError(StoreErrorCode.CLOSED, 'the store was shut down');
    if (!conn || !readCtx || !schema) throw new TracelightError('STORE_NOT_STARTED', 'call start() before using the ClickHouse store');
    return { conn, read: readCtx, schema };
  };

  const capabilities: StoreCapabilities = {
    durable: true,
    logs: true,
    dependencies: true,
    metrics: true,
    retentionByAge: true,
    retentionBySize: true,
  };

  const doStart = async () => {
    const c = createConnection({
      url: o.url,
      username: o.username,
      password: o.password,
      requestTimeoutMs: o.requestTimeoutMs,
      maxOpenConnections: o.maxOpenConnections,
      settings: clusterSettings,
    });
    try {
      const [{ v }] = await c.json<{ v: string }>('SELECT version() AS v');
      const f = featuresOf(v);
      if (o.cluster) {
        const [{ n }] = await c.json<{ n: string }>(`SELECT count() AS n FROM system.clusters WHERE cluster = ${sqlString(o.cluster)}`);
        if (Number(n) === 0) throw configError(`the server at ${o.url} has no cluster '${o.cluster}' in <remote_servers>`);
        // ON CLUSTER DDL against a server without ZooKeeper can crash 18.16: check first.
        await c.json(`SELECT count() FROM system.zookeeper WHERE path = '/'`);
      }
      const ctx: SchemaContext = { database: o.database, cluster: o.cluster, features: f };
      if (o.migrate) await migrate(c, ctx);
      if (o.retentionDays !== undefined) {
        if (f.ttl) for (const statement of ttlStatements(ctx, o.retentionDays)) await c.command(statement);
        else {
          const days = BigInt(o.retentionDays);
          const admin = { conn: c, schema: ctx };
          retentionTimer = setInterval(() => {
            const cutoff = BigInt(Date.now()) * 1_000_000n - days * 86_400_000_000_000n;
            // A failed pass is retried at the next interval.
            applyRetention(admin, { olderThanUnixNano: cutoff }).catch(() => undefined);
          }, o.retentionIntervalMs);
          retentionTimer.unref();
        }
      }
      const queue = (target: string, columns: readonly string[], maxPendingRows: number) =>
        new InsertQueue({
          maxPendingRows,
          maxInsertBytes: o.maxInsertBytes,
          maxInFlight: o.maxConcurrentInserts,
          send: (chunks) => c.insertRowBinary(`${target} (${columns.join(', ')})`, chunks),
        });
      spanQueue = queue(tables.spansInput, SPAN_INPUT_COLUMNS, o.maxPendingSpans);
      logQueue = queue(tables.logs, LOG_COLUMNS, o.maxPendingLogs);
      features = f;
      schema = ctx;
      readCtx = { conn: c, tables, joinSettings: o.cluster ? { distributed_product_mode: 'local' } : undefined };
      conn = c;
    } catch (err) {
      await c.close();
      throw err;
    }
  };

  const store: ClickHouseStore = {
    capabilities,
    database: o.database,
    cluster: o.cluster,
    get features() {
      return features;
    },

    start() {
      if (closed) return Promise.reject(new TracelightError(StoreErrorCode.CLOSED, 'the store was shut down'));
      starting ??= doStart().catch((err: unknown) => {
        starting = undefined;
        throw err;
      });
      return starting;
    },

    shutdown() {
      shuttingDown ??= (async () => {
        closed = true;
        if (retentionTimer) clearInterval(retentionTimer);
        await starting?.catch(() => undefined);
        await Promise.all([spanQueue?.drain(), logQueue?.drain()]);
        await conn?.close();
      })();
      return shuttingDown;
    },

    async writeSpans(batch: SpanBatch) {
      const { conn: c } = ready();
      if (batch.length === 0) return;
      const resources = await ensureResources(c, batch.resources);
      await spanQueue!.enqueue(encode('spans', batch.length, (w) => encodeSpanRows(batch, resources, w)), batch.length);
    },

    async writeLogs(batch: LogBatch) {
      const { conn: c } = ready();
      if (batch.length === 0) return;
      const resources = await ensureResources(c, batch.resources);
      await logQueue!.enqueue(encode('logs', batch.length, (w) => encodeLogRows(batch, resources, w, arrival)), batch.length);
    },

    getServices: async () => reader.getServices(ready().read),
    getOperations: async (query) => reader.getOperations(ready().read, query),
    // The time hints are not used: spans are ordered by trace id, so a lookup is an index seek
    // in each day partition, and the hints may not cover every span of the trace.
    getTraces: async (traceIds) => reader.getTraces(ready().read, traceIds),
    findTraceIds: async (query) => reader.findTraceIds(ready().read, query),
    getTraceSummaries: async (traceIds) => reader.getTraceSummaries(ready().read, traceIds),
    getDependencies: async (query) => reader.getDependencies(ready().read, query),
    getMetrics: async (query) => reader.getMetrics(ready().read, query),
    findLogs: async (query) => reader.findLogs(ready().read, query),

    async applyRetention(policy: RetentionPolicy) {
      const r = ready();
      return applyRetention({ conn: r.conn, schema: r.schema }, policy);
    },

    async stats() {
      const r = ready();
      return stats({ conn: r.conn, schema: r.schema });
    },
  };
  return store;
}
