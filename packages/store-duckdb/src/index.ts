export type { DuckDBStore, DuckDBStoreOptions } from './duckdb-store.js';
export { createDuckDBStore, DUCKDB_FILE, DUCKDB_STORE_DEFAULTS } from './duckdb-store.js';
