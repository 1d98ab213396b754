// The ClickHouse test harness lives in the store package (`@tracelight/store-clickhouse/testing`)
// so that benchmarks run with plain `node` can import it from the built package; tests import it
// from here or from the package.
export type { ClickHouseServerInfo, RunningClickHouse, StartClickHouseOptions } from '@tracelight/store-clickhouse/testing';
export { CLUSTER_NAME, dropDatabase, ensureClickHouseInstalled, httpQuery, PORTS, startClickHouse } from '@tracelight/store-clickhouse/testing';
