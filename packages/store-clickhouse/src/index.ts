export type { ClickHouseStore, ClickHouseStoreOptions } from './clickhouse-store.js';
export { createClickHouseStore } from './clickhouse-store.js';
export { ClickHouseErrorCode } from './internal/connection.js';
export type { ClickHouseFeatures } from './internal/features.js';
export { featuresOf } from './internal/features.js';
