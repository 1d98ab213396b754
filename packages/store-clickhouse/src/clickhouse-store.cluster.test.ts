import { describeStoreConformance } from '@tracelight/store/testing';
import { afterAll, beforeAll } from 'vitest';
import type { RunningClickHouse } from './testing/index.js';
import { dropDatabase, PORTS, startClickHouse } from './testing/index.js';
import type { ClickHouseStore } from './clickhouse-store.js';
import { createClickHouseStore } from './clickhouse-store.js';

// The storage conformance suite against a 2-shard x 2-replica cluster of real clickhouse-server
// 18.16 processes with their own ZooKeeper: ReplicatedMergeTree tables created ON CLUSTER,
// written and read through Distributed tables. Started here, stopped by pid.
let ch: RunningClickHouse | undefined;
beforeAll(async () => {
  ch = await startClickHouse({ mode: 'cluster', basePort: PORTS.conformanceCluster });
}, 120_000);
afterAll(async () => {
  await ch?.stop();
});

let next = 0;
const open = (database: string) => createClickHouseStore({ url: ch!.url, cluster: ch!.cluster, database });
describeStoreConformance('clickhouse (2 shards x 2 replicas)', {
  create: async () => open(`conformance_${next++}`),
  reopen: async (store) => open((store as ClickHouseStore).database),
  destroy: async (store) => dropDatabase(ch!, (store as ClickHouseStore).database),
});
