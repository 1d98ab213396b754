export type { ClickHouseServerInfo, RunningClickHouse, StartClickHouseOptions } from './clickhouse-server.js';
export { CLUSTER_NAME, dropDatabase, ensureClickHouseInstalled, httpQuery, PORTS, startClickHouse } from './clickhouse-server.js';
