import { readdirSync, readFileSync, rmSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@tracelight/store';
import { columnBytes } from './store-columns.js';

/** A store under benchmark, with what the benchmark needs beyond the Store contract. */
export interface BenchStore {
  readonly store: Store;
  /**
   * Shuts the store down (stores may compact on the way) and reports the bytes its data takes on
   * disk, and the peak RSS of server processes outside this one (0 for embedded stores).
   */
  finish(): Promise<{ diskBytes: number; serverPeakRssBytes: number; columnBytes?: Record<string, number> }>;
  /** Removes everything `create` made (servers stopped, folders deleted). Idempotent. */
  cleanup(): Promise<void>;
}

export interface BenchStoreFactory {
  readonly name: string;
  /** A new, empty, started store. */
  create(): Promise<BenchStore>;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

/** Peak resident set of a process (Linux), in bytes; 0 when it cannot be read. */
export function peakRssOf(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const duckdb: BenchStoreFactory = {
  name: 'duckdb',
  async create() {
    const { createDuckDBStore, DUCKDB_FILE } = await import('@tracelight/store-duckdb');
    const dir = mkdtempSync(join(process.env.TRACELIGHT_BENCH_DIR ?? tmpdir(), 'tracelight-bench-duckdb-'));
    // Defaults otherwise (512 MiB memory limit, DuckDB's threads); no age retention during a run.
    // TRACELIGHT_BENCH_DUCKDB_THREADS overrides the threads, for comparisons.
    const threads = Number(process.env.TRACELIGHT_BENCH_DUCKDB_THREADS ?? 0);
    const store = createDuckDBStore({ dataDir: dir, maxAgeMs: 0, ...(threads > 0 ? { threads } : {}) });
    await store.start();
    return {
      store,
      async finish() {
        await store.shutdown();
        const file = join(dir, DUCKDB_FILE);
        const spans = await columnBytes(file, 'spans');
        const index = await columnBytes(file, 'trace_index');
        const columns: Record<string, number> = Object.fromEntries(
          [...spans.columns, ...index.columns.map((c) => ({ ...c, column: `trace_index.${c.column}` }))].map((c) => [c.column, c.bytes]),
        );
        const diskBytes = folderBytes(dir);
        const free = spans.freeBlocks * spans.blockSize;
        // What the columns and free blocks leave: indexes, dictionary tables, metadata.
        const other = diskBytes - free - Object.values(columns).reduce((a, b) => a + b, 0);
        return { diskBytes, serverPeakRssBytes: 0, columnBytes: { ...columns, '(free blocks)': free, '(indexes, dictionaries, metadata)': other } };
      },
      async cleanup() {
        await store.shutdown();
        // TRACELIGHT_BENCH_KEEP=1 keeps the database for a look afterwards.
        if (process.env.TRACELIGHT_BENCH_KEEP) console.error(`kept ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * ClickHouse, single node, started by the ClickHouse engineer's harness on the benchmark's port
 * block. Disk bytes are the store's own stats (parts on disk); the server's peak RSS is read
 * from /proc before it stops.
 */
const clickhouse: BenchStoreFactory = {
  name: 'clickhouse',
  async create() {
    const harness = await import('../../test/clickhouse/harness.js');
    const { createClickHouseStore } = await import('@tracelight/store-clickhouse');
    const ch = await harness.startClickHouse({ mode: 'single', basePort: harness.PORTS.bench });
    const store = createClickHouseStore({ url: ch.url, database: 'bench' });
    try {
      await store.start();
    } catch (error) {
      await ch.stop();
      throw error;
    }
    return {
      store,
      async finish() {
        const { bytes } = await store.stats();
        await store.shutdown();
        return { diskBytes: bytes, serverPeakRssBytes: ch.servers.reduce((n, s) => n + peakRssOf(s.pid), 0) };
      },
      async cleanup() {
        await store.shutdown();
        await ch.stop();
      },
    };
  },
};

export const STORE_FACTORIES: Readonly<Record<string, BenchStoreFactory>> = { duckdb, clickhouse };
