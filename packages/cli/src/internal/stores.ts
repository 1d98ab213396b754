import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { createClickHouseStore } from '@tracelight/store-clickhouse';
import { createDuckDBStore } from '@tracelight/store-duckdb';

/** Where `tracelight start` keeps data when neither --store nor --memory is given. */
export const DEFAULT_STORE = 'duckdb';
export const DEFAULT_DATA_DIR = './tracelight-data';

export const STORE_SPEC_HELP = 'duckdb, memory, or clickhouse://host:port/database[?cluster=name]';

export interface StoreSettings {
  /** --store: `duckdb`, `memory`, or a `clickhouse://` URL (the server's HTTP port). */
  readonly spec: string;
  /** --data-dir, for duckdb. */
  readonly dataDir: string;
}

/**
 * The store a --store value names, not started yet, with a line that tells people what it is;
 * or a problem to report. A `clickhouse://host:port/db` URL names the server's HTTP interface;
 * `?cluster=name` selects the sharded, replicated layout, and `user`/`password` may be given in
 * the URL's userinfo.
 */
export function createStoreOf(settings: StoreSettings): { store: Store; describe: string } | { problem: string } {
  const { spec, dataDir } = settings;
  if (spec === 'memory') return { store: createMemoryStore(), describe: 'in memory; data is lost when the process exits' };
  if (spec === 'duckdb') return { store: createDuckDBStore({ dataDir }), describe: `DuckDB in ${dataDir}` };
  if (spec.startsWith('clickhouse://')) {
    let url: URL;
    try {
      url = new URL(spec.replace(/^clickhouse:/, 'http:'));
    } catch {
      return { problem: `--store ${spec} is not a valid URL` };
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'tracelight';
    if (!/^[A-Za-z0-9_]+$/.test(database)) return { problem: `--store: database name ${JSON.stringify(database)} may only hold letters, digits and _` };
    const cluster = url.searchParams.get('cluster') ?? undefined;
    const server = `http://${url.host}`;
    const store = createClickHouseStore({
      url: server,
      database,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      cluster,
    });
    return { store, describe: `ClickHouse at ${server}, database ${database}${cluster ? `, cluster ${cluster}` : ''}` };
  }
  return { problem: `--store must be ${STORE_SPEC_HELP} (got ${JSON.stringify(spec)})` };
}
