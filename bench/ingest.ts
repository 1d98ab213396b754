// Ingest benchmark, part (b): end-to-end OTLP/HTTP protobuf into the in-memory store.
//
// The server is a real `tracelight start --memory` child process (the built CLI) pinned to one
// core; the load generator (bench/internal/ingest-load.ts) runs in another process pinned to
// another core and sends pre-encoded requests of 512 spans over several keep-alive connections.
// Reported: spans/s (wall clock) and spans per second of server CPU time. Target: >= 100k spans/s.
//
//   node bench/ingest.ts [--seconds 10] [--connections 8] [--spans 512] [--max-requests 1900]
//                        [--server-core 0] [--load-core 1] [--profile] [--server-node-flags '...']
//
// A row is a pipeline config + a label (ROWS below); --rows picks some (default: all). Writes
// bench/results/ingest.json (one entry per row under `rows`). With --profile the server runs under `node --cpu-prof`; the
// profile lands in bench/results/ingest-profile/ and its top functions by self time are printed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench/results');
const PROFILE_DIR = join(RESULTS, 'ingest-profile');
const TARGET_SPANS_PER_SECOND = 100_000;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    spans: { type: 'string', default: '512' },
    // 1900 x 512 spans stays under the memory store's default cap of 1M spans, so no eviction.
    'max-requests': { type: 'string', default: '1900' },
    'server-core': { type: 'string', default: '0' },
    'load-core': { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    // Extra node flags for the server process, e.g. "--max-semi-space-size=32".
    'server-node-flags': { type: 'string', default: '' },
    rows: { type: 'string', default: '' },
  },
});

/** A benchmark row: a label and the collector config it runs (undefined: the default pipelines). */
interface Row {
  readonly label: string;
  readonly config?: string;
}

const STORE_PIPELINE = (processors: string, extra = '') => `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
processors:
  memory_limiter:
  batch:
${extra}exporters:
  store:
service:
  pipelines:
    traces: { receivers: [otlp], processors: [${processors}], exporters: [store] }
  telemetry:
    metrics: { address: 127.0.0.1:0 }
`;

/** Add a row here to benchmark another pipeline (e.g. span-metrics + service-graph connectors). */
const ROWS: readonly Row[] = [
  { label: 'default (memory_limiter, batch; span metrics + service graph)' },
  { label: 'store only (memory_limiter, batch)', config: STORE_PIPELINE('memory_limiter, batch') },
  {
    label: 'span metrics + service graph (memory_limiter, batch)',
    config: STORE_PIPELINE('memory_limiter, batch')
      .replace('exporters: [store]', 'exporters: [store, spanmetrics, servicegraph]')
      .replace('service:\n', 'connectors:\n  spanmetrics: { endpoint: 127.0.0.1:0 }\n  servicegraph: { endpoint: 127.0.0.1:0 }\nservice:\n'),
  },
  {
    label: 'tail sampling (errors + 10% baseline, 1s wait)',
    config: STORE_PIPELINE(
      'memory_limiter, tail_sampling, batch',
      `  tail_sampling:
    decision_wait: 1s
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: baseline, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
`,
    ),
  },
];

const hasTaskset = spawnSync('taskset', ['--version']).status === 0 && cpus().length > 1;
const pinned = (core: string, argv: string[]) => (hasTaskset ? ['taskset', '-c', core, ...argv] : argv);

function build(): void {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'packages/cli')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status === 0) return;
  // tsc -b still emits when some referenced project has type errors; go on if the CLI was built.
  console.warn(`tsc -b packages/cli reported errors:\n${run.stdout}${run.stderr}`);
  if (!existsSync(join(ROOT, 'packages/cli/dist/bin.js'))) throw new Error('building the CLI failed');
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface LoadResult {
  requests: number;
  spans: number;
  statuses: Record<string, number>;
  wallSeconds: number;
  bytesSent: number;
  requestBytes: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

function topOfProfile(dir: string, n: number): { fn: string; selfPercent: number }[] {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return [];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  };
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(`file://${ROOT}/`, '').replace(/^node:/, 'node:')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, hits]) => ({ fn, selfPercent: Math.round((1000 * hits) / Math.max(1, total)) / 10 }));
}

async function main(): Promise<void> {
  build();
  mkdirSync(RESULTS, { recursive: true });
  const wanted = values.rows.split(',').map((r) => r.trim()).filter(Boolean);
  const rows = ROWS.filter((r, i) => wanted.length === 0 || wanted.some((w) => r.label.startsWith(w) || String(i) === w));
  const results: unknown[] = [];
  for (const row of rows) results.push(await runRow(row));
  const connectorsCost = costOfConnectors(results as RowResult[]);
  writeFileSync(join(RESULTS, 'ingest.json'), JSON.stringify({ benchmark: 'ingest (b): OTLP/HTTP protobuf → tracelight start --memory', rows: results, connectorsCost }, null, 2) + '\n');
  console.log(`\n  written to bench/results/ingest.json`);
}

interface RowResult {
  readonly row: string;
  readonly spansPerSecond: number;
  readonly spansPerServerCpuSecond: number;
}

/** Throughput lost to the span metrics + service graph connectors (target: at most 15%), when both rows ran. */
function costOfConnectors(results: readonly RowResult[]): { wallPercent: number; cpuPercent: number; meetsTarget: boolean } | undefined {
  const without = results.find((r) => r.row.startsWith('store only'));
  const withThem = results.find((r) => r.row.startsWith('span metrics + service graph'));
  if (!without || !withThem) return undefined;
  const pct = (a: number, b: number) => Math.round((1 - b / a) * 1000) / 10;
  const cost = { wallPercent: pct(without.spansPerSecond, withThem.spansPerSecond), cpuPercent: pct(without.spansPerServerCpuSecond, withThem.spansPerServerCpuSecond) };
  console.log(`\nspan metrics + service graph cost: ${cost.wallPercent}% of spans/s, ${cost.cpuPercent}% of spans per server CPU second (target <= 15%)`);
  return { ...cost, meetsTarget: cost.cpuPercent <= 15 };
}

async function runRow(row: Row): Promise<unknown> {
  if (values.profile) rmSync(PROFILE_DIR, { recursive: true, force: true });
  const configArgs: string[] = [];
  if (row.config) {
    const file = join(RESULTS, `ingest-config-${ROWS.indexOf(row)}.yaml`);
    writeFileSync(file, row.config);
    configArgs.push('--config', file);
  }
  const nodeArgs = [
    ...values['server-node-flags'].split(' ').filter(Boolean),
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
  ];
  const serverArgv = pinned(values['server-core'], [
    process.execPath,
    ...nodeArgs,
    join(ROOT, 'packages/cli/dist/bin.js'),
    'start',
    '--memory',
    ...configArgs,
    '--otlp-http-port',
    '0',
    ...(row.config ? [] : ['--otlp-grpc-port', '0', '--zipkin-port', '0', '--span-metrics-port', '0', '--sampling-port', '0']),
    '--http-port',
    '0',
    '--metrics-port',
    '0',
  ]);
  const server = spawn(serverArgv[0], serverArgv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let serverOut = '';
  const serverExit = new Promise<number | null>((resolve) => server.once('exit', resolve));
  try {
    const httpPort = await new Promise<number>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        serverOut += d.toString();
        const m = /OTLP\/HTTP\s+http:\/\/\S+:(\d+)\//.exec(serverOut);
        if (m && /^ready/m.test(serverOut)) resolve(Number(m[1]));
      });
      void serverExit.then((code) => reject(new Error(`server exited (${code}) before it was ready:\n${serverOut}`)));
    });
    // The actual server process (taskset execs node, so the pid is the same).
    const serverPid = server.pid!;

    const loadArgv = pinned(values['load-core'], [
      process.execPath,
      join(ROOT, 'bench/internal/ingest-load.ts'),
      '--url',
      `http://127.0.0.1:${httpPort}`,
      '--connections',
      values.connections,
      '--spans',
      values.spans,
      '--seconds',
      values.seconds,
      '--max-requests',
      values['max-requests'],
    ]);
    const load = spawn(loadArgv[0], loadArgv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let loadOut = '';
    let cpuAtStart = NaN;
    load.stdout!.on('data', (d: Buffer) => {
      loadOut += d.toString();
      if (Number.isNaN(cpuAtStart) && /^warm$/m.test(loadOut)) cpuAtStart = cpuSeconds(serverPid);
    });
    const loadCode = await new Promise<number | null>((resolve) => load.once('exit', resolve));
    const cpuAtEnd = cpuSeconds(serverPid);
    if (loadCode !== 0) throw new Error(`load generator failed (${loadCode}):\n${loadOut}`);
    const result = JSON.parse(loadOut.trim().split('\n').pop()!) as LoadResult;

    process.kill(serverPid, 'SIGTERM');
    const serverCode = await serverExit;
    const serverCpu = cpuAtEnd - cpuAtStart;
    const spansPerSecond = result.spans / result.wallSeconds;
    const out = {
      row: row.label,
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
      pinnedToCores: hasTaskset ? { server: values['server-core'], load: values['load-core'] } : null,
      serverNodeFlags: nodeArgs.join(' '),
      connections: Number(values.connections),
      spansPerRequest: Number(values.spans),
      requestBytes: result.requestBytes,
      requests: result.requests,
      spans: result.spans,
      statuses: result.statuses,
      wallSeconds: round(result.wallSeconds, 3),
      spansPerSecond: Math.round(spansPerSecond),
      serverCpuSeconds: round(serverCpu, 2),
      serverCpuUtilisation: round(serverCpu / result.wallSeconds, 2),
      spansPerServerCpuSecond: Math.round(result.spans / serverCpu),
      megabytesPerSecond: round(result.bytesSent / result.wallSeconds / 1e6, 1),
      latencyMs: Object.fromEntries(Object.entries(result.latencyMs).map(([k, v]) => [k, round(v, 1)])),
      targetSpansPerSecond: TARGET_SPANS_PER_SECOND,
      meetsTarget: spansPerSecond >= TARGET_SPANS_PER_SECOND,
      serverExitCode: serverCode,
      profileTop: values.profile ? topOfProfile(PROFILE_DIR, 25) : undefined,
    };

    const rows: [string, string][] = [
      ['requests (200 / all)', `${result.statuses['200'] ?? 0} / ${result.requests}`],
      ['spans per request', `${out.spansPerRequest} (${(out.requestBytes / 1024).toFixed(0)} KiB)`],
      ['connections', String(out.connections)],
      ['wall time', `${out.wallSeconds} s`],
      ['spans/s (wall)', out.spansPerSecond.toLocaleString('en-US')],
      ['server CPU', `${out.serverCpuSeconds} s (${Math.round(out.serverCpuUtilisation * 100)}% of one core)`],
      ['spans per server CPU-second', out.spansPerServerCpuSecond.toLocaleString('en-US')],
      ['throughput', `${out.megabytesPerSecond} MB/s`],
      ['latency p50 / p90 / p99 / max', `${out.latencyMs.p50} / ${out.latencyMs.p90} / ${out.latencyMs.p99} / ${out.latencyMs.max} ms`],
      ['target', `${TARGET_SPANS_PER_SECOND.toLocaleString('en-US')} spans/s: ${out.meetsTarget ? 'met' : 'NOT met'}`],
      ['pinned', hasTaskset ? `server core ${values['server-core']}, load core ${values['load-core']}` : 'no (taskset missing)'],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(`\n${out.row}`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
    if (out.profileTop) {
      console.log('\n  server profile, top functions by self time:');
      for (const { fn, selfPercent } of out.profileTop) console.log(`  ${String(selfPercent).padStart(5)}%  ${fn}`);
    }
    return out;
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
