// Query benchmark: the HTTP query API over a DuckDB store of 1M and 10M spans.
//
// For each scale a server process (bench/internal/query-server.ts) opens a DuckDB store in
// .cache/bench-query/spans-<spans>/ (git-ignored; filled on first use with generated traces spread over 24 hours,
// plus one 50-span and one 5,000-span trace; later runs reuse it) and serves the query API. This
// process then times requests over one keep-alive connection, one at a time, body read included:
//   - GET /api/traces/{id} of the 50-span and the 5,000-span trace
//   - Jaeger searches (GET /api/traces?service=…) as Jaeger UI and Grafana send them
//   - GET /api/dependencies and GET /api/metrics/latencies over the last 24 hours
// Targets at 10M spans: trace by id (50 spans) p99 <= 20 ms, search p99 <= 100 ms, metrics <= 300 ms.
//
//   node bench/query.ts [--scales 1000000,10000000] [--rounds 200] [--memory-limit-mib 2048]
//                       [--memory] [--fresh] [--note 'measured under load']
//
// Builds the packages first (tsc -b, incremental); the server runs on their dist. Writes
// bench/results/query.json and prints a table.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOOKS = join(ROOT, 'bench/internal/query-hooks.mjs');

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '1000000,10000000' },
    rounds: { type: 'string', default: '200' },
    'memory-limit-mib': { type: 'string', default: '2048' },
    memory: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    // Recorded in the results, e.g. "machine shared, load average ~10".
    note: { type: 'string', default: '' },
    out: { type: 'string', default: join(ROOT, 'bench/results/query.json') },
  },
});
const scales = values.scales.split(',').map(Number);
const rounds = Number(values.rounds);

const TARGETS_MS: Readonly<Record<string, { p: 'p50' | 'p99'; ms: number }>> = {
  'trace by id, 50 spans': { p: 'p99', ms: 20 },
  'Jaeger search (all)': { p: 'p99', ms: 100 },
  'metrics latencies, 24 h': { p: 'p99', ms: 300 },
};

interface ServerInfo {
  port: number;
  dataset: { spans: number; endUnixNano: string; trace50: string; trace5000: string; loadSeconds: number };
  storeBytes: number;
  storeSpans: number;
}

function build(): void {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'packages/query'), join(ROOT, 'packages/store-duckdb')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error('building the packages failed');
}

function startServer(spans: number): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const dataDir = join(ROOT, '.cache/bench-query', `spans-${spans}`);
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  const args = ['--import', HOOKS, join(ROOT, 'bench/internal/query-server.ts'), '--spans', String(spans), '--memory-limit-mib', values['memory-limit-mib']];
  args.push(...(values.memory ? ['--memory'] : ['--data-dir', dataDir]));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, info: JSON.parse(line) as ServerInfo });
    });
    child.once('exit', (code) => reject(new Error(`the query server exited with ${code} before it was ready`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET; resolves the status, the body size and the milliseconds until the last byte. */
function timedGet(port: number, path: string): Promise<{ status: number; bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

interface Measured {
  readonly name: string;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly meanBytes: number;
}

async function measure(port: number, name: string, paths: readonly string[], n: number): Promise<Measured> {
  // Warm-up: each path twice (first DuckDB reads fault pages in).
  for (const p of paths) for (let i = 0; i < 2; i++) await timedGet(port, p);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await timedGet(port, paths[i % paths.length]);
    if (r.status !== 200) throw new Error(`${name}: ${paths[i % paths.length]} answered ${r.status}`);
    times.push(r.ms);
    bytes += r.bytes;
  }
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { name, requests: n, p50: round(quantile(times, 0.5)), p99: round(quantile(times, 0.99)), max: round(times[times.length - 1]), meanBytes: Math.round(bytes / n) };
}

async function runScale(spans: number) {
  process.stderr.write(`scale ${spans.toLocaleString('en')} spans: starting the server${values.memory ? ' (memory store)' : ''}…\n`);
  const { child, info } = await startServer(spans);
  try {
    const end = BigInt(info.dataset.endUnixNano);
    const us = (ns: bigint) => (ns / 1000n).toString();
    const ms = (ns: bigint) => (ns / 1_000_000n).toString();
    const hour = 3_600_000_000_000n;
    const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
    const searches = [
      // Jaeger UI's defaults: a service, the last hour, 20 traces.
      `/api/traces?${q({ service: 'frontend', lookback: '1h', start: us(end - hour), end: us(end), limit: '20' })}`,
      // An operation and a tag over the whole day.
      `/api/traces?${q({ service: 'checkout', operation: 'GET /api/cart', tag: 'http.response.status_code:500', start: us(end - 24n * hour), end: us(end), limit: '20' })}`,
      // A duration filter.
      `/api/traces?${q({ service: 'payment', minDuration: '100ms', start: us(end - 24n * hour), end: us(end), limit: '20' })}`,
      // Grafana: tags as JSON.
      `/api/traces?${q({ service: 'frontend', tags: JSON.stringify({ 'app.tenant': 'acme' }), start: us(end - 6n * hour), end: us(end), limit: '20' })}`,
    ];
    const results: Measured[] = [];
    results.push(await measure(info.port, 'trace by id, 50 spans', [`/api/traces/${info.dataset.trace50}`], rounds));
    results.push(await measure(info.port, 'trace by id, 5000 spans', [`/api/traces/${info.dataset.trace5000}`], Math.max(20, Math.floor(rounds / 4))));
    results.push(await measure(info.port, 'Jaeger search (all)', searches, rounds));
    for (const [i, path] of searches.entries()) results.push(await measure(info.port, `  search ${i + 1}`, [path], Math.max(20, Math.floor(rounds / 4))));
    results.push(await measure(info.port, 'dependencies, 24 h', [`/api/dependencies?${q({ endTs: ms(end), lookback: String(24 * 3_600_000) })}`], Math.max(10, Math.floor(rounds / 10))));
    results.push(
      await measure(
        info.port,
        'metrics latencies, 24 h',
        [`/api/metrics/latencies?${q({ service: 'frontend', quantile: '0.95', endTs: ms(end), lookback: String(24 * 3_600_000), step: '300000', ratePer: '600000' })}`],
        Math.max(10, Math.floor(rounds / 10)),
      ),
    );
    return { spans: info.dataset.spans, storeSpans: info.storeSpans, storeBytes: info.storeBytes, loadSeconds: info.dataset.loadSeconds, results };
  } finally {
    await stop(child);
  }
}

build();
const runs = [];
for (const spans of scales) runs.push(await runScale(spans));
agent.destroy();

const report = {
  benchmark: 'query API over HTTP (one keep-alive connection, sequential requests)',
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}`,
  loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
  note: values.note,
  store: values.memory ? 'memory' : `duckdb (memory limit ${values['memory-limit-mib']} MiB)`,
  targetsMsAt10M: TARGETS_MS,
  scales: runs,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

for (const run of runs) {
  console.log(`\n${run.spans.toLocaleString('en')} spans (${(run.storeBytes / 1e6).toFixed(0)} MB on disk, loaded in ${run.loadSeconds.toFixed(0)} s)`);
  console.log(`${'request'.padEnd(28)} ${'n'.padStart(5)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)} ${'bytes'.padStart(10)}  target`);
  for (const r of run.results) {
    const target = TARGETS_MS[r.name];
    const verdict = target ? `${target.p} <= ${target.ms} ms: ${r[target.p] <= target.ms ? 'met' : 'NOT met'}` : '';
    console.log(`${r.name.padEnd(28)} ${String(r.requests).padStart(5)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(9)} ${r.max.toFixed(2).padStart(9)} ${String(r.meanBytes).padStart(10)}  ${verdict}`);
  }
}
console.log(`\nwrote ${values.out}`);
