export type { DuckDBStore, DuckDBStoreOptions } from './duckdb-store.js';
export { createDuckDBStore, DUCKDB_FILE, DUCKDB_STORE_DEFAULTS } from './duckdb-store.js';
export type { DuckDBStoreStats } from './internal/protocol.js';
