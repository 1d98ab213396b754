// Server side of bench/query.ts, run in its own process: opens (and on first use fills) a DuckDB
// store with N generated spans over 24 hours plus two traces of known size (50 and 5,000 spans),
// then serves the query API on a free port. Prints one JSON line with the port and the dataset's
// facts, then serves until SIGTERM.
//
//   node --import ./bench/internal/query-hooks.mjs bench/internal/query-server.ts \
//     --data-dir .cache/bench-query/spans-1000000 --spans 1000000 [--memory-limit-mib 2048] [--memory]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SpanBatch } from '@tracelight/core';
import { traceIdHex } from '@tracelight/core';
import { createFetchServer, createQueryHandler } from '@tracelight/query';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { createDuckDBStore } from '@tracelight/store-duckdb';
import { createTraceGenerator } from '../../test/fixtures/index.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    spans: { type: 'string', default: '1000000' },
    'memory-limit-mib': { type: 'string', default: '2048' },
    memory: { type: 'boolean', default: false },
  },
});

const HOUR = 3_600_000_000_000n;
const SPANS_PER_TRACE = 20;
const WRITE_TRACES = 500; // 10,000 spans per write
const IN_FLIGHT = 4;

export interface Dataset {
  readonly spans: number;
  /** The data covers [end − 24 h, end). */
  readonly endUnixNano: string;
  readonly trace50: string;
  readonly trace5000: string;
  readonly loadSeconds: number;
}

async function fill(store: Store, spans: number): Promise<Dataset> {
  const traces = Math.max(1, Math.floor(spans / SPANS_PER_TRACE));
  // Whole minutes, so bucketed queries line up; the data ends an hour ago.
  const end = (BigInt(Date.now()) / 60_000n) * 60_000n * 1_000_000n - HOUR;
  const start = end - 24n * HOUR;
  const gen = createTraceGenerator({ seed: 7, startTimeUnixNano: start, traceIntervalNano: (24n * HOUR) / BigInt(traces), spansPerTrace: SPANS_PER_TRACE });
  const special = (seed: number, size: number): SpanBatch =>
    createTraceGenerator({ seed, startTimeUnixNano: start + 12n * HOUR, spansPerTrace: size }).nextBatch(1);
  const b50 = special(50, 50);
  const b5000 = special(5000, 5000);
  const t0 = performance.now();
  await store.writeSpans(b50);
  await store.writeSpans(b5000);
  const pending = new Set<Promise<void>>();
  let written = 0;
  let lastReport = performance.now();
  while (gen.traceCount < traces) {
    const batch = gen.nextBatch(Math.min(WRITE_TRACES, traces - gen.traceCount));
    const p: Promise<void> = store.writeSpans(batch).then(
      () => void pending.delete(p),
      async (err: unknown) => {
        // STORE_BUSY: the writer is behind; wait a little and try once more before giving up.
        if ((err as { code?: string }).code !== 'STORE_BUSY') throw err;
        await new Promise((r) => setTimeout(r, 200));
        await store.writeSpans(batch);
        pending.delete(p);
      },
    );
    pending.add(p);
    written += batch.length;
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      process.stderr.write(`  loaded ${written.toLocaleString('en')} spans (${Math.round(written / ((lastReport - t0) / 1000)).toLocaleString('en')}/s)\n`);
    }
  }
  await Promise.all(pending);
  return {
    spans: written + b50.length + b5000.length,
    endUnixNano: end.toString(),
    trace50: traceIdHex(b50, 0),
    trace5000: traceIdHex(b5000, 0),
    loadSeconds: (performance.now() - t0) / 1000,
  };
}

const spans = Number(values.spans);
let store: Store;
let dataset: Dataset;
if (values.memory) {
  store = createMemoryStore({ maxSpans: spans + 10_000 });
  await store.start();
  dataset = await fill(store, spans);
} else {
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required (or --memory)');
  mkdirSync(dataDir, { recursive: true });
  const marker = join(dataDir, 'dataset.json');
  store = createDuckDBStore({ dataDir, maxAgeMs: 0, memoryLimitBytes: Number(values['memory-limit-mib']) * 1024 * 1024 });
  await store.start();
  if (existsSync(marker)) {
    dataset = JSON.parse(readFileSync(marker, 'utf8')) as Dataset;
  } else {
    dataset = await fill(store, spans);
    writeFileSync(marker, JSON.stringify(dataset));
  }
}

const server = createFetchServer({ handler: createQueryHandler({ store }), port: 0 });
await server.start();
const stats = await store.stats();
process.stdout.write(`${JSON.stringify({ port: server.address()!.port, dataset, storeBytes: stats.bytes, storeSpans: stats.spanCount })}\n`);

process.once('SIGTERM', () => {
  void server
    .shutdown()
    .then(() => store.shutdown())
    .then(() => process.exit(0));
});
