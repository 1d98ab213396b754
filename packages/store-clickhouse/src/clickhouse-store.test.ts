import { describeStoreConformance } from '@tracelight/store/testing';
import { afterAll, beforeAll } from 'vitest';
import type { RunningClickHouse } from '../../../test/clickhouse/harness.js';
import { dropDatabase, PORTS, startClickHouse } from '../../../test/clickhouse/harness.js';
import type { ClickHouseStore } from './clickhouse-store.js';
import { createClickHouseStore } from './clickhouse-store.js';

// The storage conformance suite against a real clickhouse-server (Debian's 18.16), one node,
// started here on its own loopback ports and stopped by pid. Each group gets its own database.
let ch: RunningClickHouse | undefined;
beforeAll(async () => {
  ch = await startClickHouse({ mode: 'single', basePort: PORTS.conformanceSingle });
}, 120_000);
afterAll(async () => {
  await ch?.stop();
});

let next = 0;
describeStoreConformance('clickhouse (single node)', {
  create: async () => createClickHouseStore({ url: ch!.url, database: `conformance_${next++}` }),
  reopen: async (store) => createClickHouseStore({ url: ch!.url, database: (store as ClickHouseStore).database }),
  destroy: async (store) => dropDatabase(ch!, (store as ClickHouseStore).database),
});
