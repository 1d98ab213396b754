// In-process variant of the overhead benchmark: requests are handed to the Node HTTP server's
// 'request' event with light-my-request's in-memory request/response (no sockets), so the
// instrumentation's per-request CPU cost shows without network syscalls and with far less noise
// from other processes. The loop runs CONCURRENCY requests at a time; each batch's CPU time
// (process.cpuUsage) is divided by its requests. Prints one JSON line: per-batch µs/request.
import inject from 'light-my-request';
import { performance } from 'node:perf_hooks';
import { createApp } from './overhead-app.mjs';

const path = process.env.BENCH_PATH ?? '/hello';
const batches = Number(process.env.BENCH_BATCHES ?? 30);
const perBatch = Number(process.env.BENCH_BATCH_REQUESTS ?? 2000);
const warmup = Number(process.env.BENCH_WARMUP_REQUESTS ?? 20000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);

const app = createApp(process.env.UPSTREAM_URL);
await app.ready();
const server = app.server;
const dispatch = (req, res) => server.emit('request', req, res);

async function run(n) {
  let failed = 0;
  for (let i = 0; i < n; i += concurrency) {
    const batch = [];
    for (let j = 0; j < concurrency && i + j < n; j++) batch.push(inject(dispatch, { method: 'GET', url: path }));
    for (const res of await Promise.all(batch)) if (res.statusCode !== 200) failed++;
  }
  return failed;
}

let failed = await run(warmup);
const cpu = [];
const wall = [];
for (let b = 0; b < batches; b++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  failed += await run(perBatch);
  const c = process.cpuUsage(c0);
  wall.push(((performance.now() - t0) * 1000) / perBatch);
  cpu.push((c.user + c.system) / perBatch);
}
process.stdout.write(`${JSON.stringify({ cpu, wall, failed })}\n`);
// Let the kit flush what it has (not measured), then leave.
setTimeout(() => process.exit(0), 100).unref();
