// Write-path profile of the DuckDB store, for A/B work on a shared machine: spans are generated
// before the clock starts, so CPU time and event-loop lag are the store's alone.
//
//   node --import ./packages/store-duckdb/src/internal/source-hooks.mjs bench/internal/store-profile.ts \
//     [--spans=200000] [--concurrency=32] [--threads=N] [--keep] [--generate-only]
//
// CPU time is inflated when the machine is busy; instructions are not: under
// `perf stat -e instructions:u`, a run minus a --generate-only run counts the store's work.
//
// Prints wall-clock rate, CPU µs/span (whole process, main thread, writer worker, the rest =
// DuckDB's threads), event-loop lag, bytes/span and each column's bytes/span.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SpanBatch } from '@tracelight/core';
import { createDuckDBStore, DUCKDB_FILE } from '@tracelight/store-duckdb';
import { createTraceGenerator } from '../../test/fixtures/index.js';
import { columnBytes } from './store-columns.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const spans = Number(arg('spans', '200000'));
const concurrency = Number(arg('concurrency', '32'));
const keep = process.argv.includes('--keep');
const WINDOW_NANO = 6n * 3600n * 1_000_000_000n;

const traces = Math.ceil(spans / 20);
const now = BigInt(Date.now()) * 1_000_000n;
const generator = createTraceGenerator({ seed: 42, startTimeUnixNano: now - WINDOW_NANO, traceIntervalNano: WINDOW_NANO / BigInt(traces) });
const g0 = performance.now();
const batches: SpanBatch[] = [];
for (let t = 0; t < traces; t += 25) batches.push(generator.nextBatch(Math.min(25, traces - t)));
const genMs = performance.now() - g0;
// With --generate-only: stop here (a baseline for `perf stat -e instructions` of the whole run).
if (process.argv.includes('--generate-only')) process.exit(0);

const dir = mkdtempSync(join(process.env.TRACELIGHT_BENCH_DIR ?? tmpdir(), 'tracelight-profile-'));
const store = createDuckDBStore({ dataDir: dir, maxAgeMs: 0, ...(arg('threads', '') ? { threads: Number(arg('threads', '')) } : {}) });
await store.start();
const load0 = loadavg()[0];
const lag = monitorEventLoopDelay({ resolution: 5 });
const calls: number[] = [];
const inflight = new Set<Promise<void>>();
const before = await store.stats();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const main0 = process.threadCpuUsage();
let walMax = 0;
const walTimer = setInterval(() => {
  try {
    walMax = Math.max(walMax, statSync(join(dir, `${DUCKDB_FILE}.wal`)).size);
  } catch {
    // no WAL right now
  }
}, 100);
lag.enable();
for (const batch of batches) {
  const c = performance.now();
  const p: Promise<void> = store.writeSpans(batch).finally(() => inflight.delete(p));
  calls.push(performance.now() - c);
  inflight.add(p);
  while (inflight.size >= concurrency) await Promise.race(inflight);
  await new Promise((r) => setImmediate(r));
}
await Promise.all(inflight);
const wallMs = performance.now() - t0;
lag.disable();
clearInterval(walTimer);
const cpu = process.cpuUsage(cpu0);
const main = process.threadCpuUsage(main0);
const after = await store.stats();
await store.shutdown();
const closeMs = performance.now() - t0 - wallMs;
const cpuClose = process.cpuUsage(cpu0);

const us = (micros: number) => (micros / spans).toFixed(2);
const worker = (after.workerCpuMs - before.workerCpuMs) * 1000;
calls.sort((a, b) => a - b);
console.log(`generated ${spans} spans in ${(genMs / 1000).toFixed(1)} s; load average ${load0.toFixed(1)}`);
console.log(`load: ${(wallMs / 1000).toFixed(2)} s wall, ${Math.round(spans / (wallMs / 1000))} spans/s; shutdown ${(closeMs / 1000).toFixed(2)} s`);
console.log(
  `CPU µs/span: total ${us(cpu.user + cpu.system)} (with shutdown ${us(cpuClose.user + cpuClose.system)}), main ${us(main.user + main.system)}, worker ${us(worker)}, DuckDB threads ${us(cpu.user + cpu.system - main.user - main.system - worker)}`,
);
console.log(`worker: append ${after.appendMs - before.appendMs} ms, commit wait ${after.commitMs - before.commitMs} ms, groups ${after.groupCommits - before.groupCommits}`);
console.log(`event-loop lag p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms; writeSpans call p99 ${calls[Math.floor(calls.length * 0.99)].toFixed(2)} ms`);
let total = 0;
for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
const info = await columnBytes(join(dir, DUCKDB_FILE), 'spans');
const index = await columnBytes(join(dir, DUCKDB_FILE), 'trace_index');
console.log(`largest WAL seen: ${(walMax / 2 ** 20).toFixed(1)} MiB`);
console.log(`disk: ${(total / spans).toFixed(1)} B/span (${info.usedBlocks} used + ${info.freeBlocks} free blocks of ${info.blockSize})`);
for (const c of [...info.columns, ...index.columns.map((c) => ({ ...c, column: `trace_index.${c.column}` }))]) {
  console.log(`  ${c.column.padEnd(24)} ${(c.bytes / spans).toFixed(2).padStart(7)}  ${c.compression}`);
}
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
