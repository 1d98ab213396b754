import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Store } from '@tracelight/store';
import { describeStoreConformance } from '@tracelight/store/testing';
import type { DuckDBStore } from './duckdb-store.js';
import { createDuckDBStore } from './duckdb-store.js';

const dirOf = (store: Store) => dirname((store as DuckDBStore).path);

describeStoreConformance('duckdb', {
  create: async () => createDuckDBStore({ dataDir: mkdtempSync(join(tmpdir(), 'tracelight-duckdb-')), memoryLimitBytes: 256 * 1024 * 1024, threads: 2 }),
  destroy: async (store) => rmSync(dirOf(store), { recursive: true, force: true }),
  reopen: async (store) => createDuckDBStore({ dataDir: dirOf(store), memoryLimitBytes: 256 * 1024 * 1024, threads: 2 }),
});
