/**
 * Instrumentation overhead: a Fastify "hello world" route and a route making one outgoing HTTP
 * call, under load from autocannon (a separate process), for
 *   - uninstrumented,
 *   - @tracelight/instrument (`--import @tracelight/instrument/register`) at 100% and 1% sampling,
 *   - the plain OpenTelemetry setup (`@opentelemetry/auto-instrumentations-node/register` with the
 *     ESM loader hook) at 100% and 1%,
 * each exporting OTLP/HTTP to a sink process. Reports requests/s and p99 latency, and ratios to
 * the uninstrumented run. Writes bench/results/overhead.json.
 *
 *   node bench/overhead.ts                 # 10 s per run, 50 connections, 2 rounds
 *   node bench/overhead.ts --quick         # 3 s per run, 1 round (a smoke test on a busy machine)
 *   node bench/overhead.ts --duration 20 --connections 100 --rounds 3
 *
 * Servers are child processes stopped by pid; ports are ephemeral.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
function opt(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const duration = opt('duration', quick ? 3 : 10);
const connections = opt('connections', 50);
const rounds = opt('rounds', quick ? 1 : 2);
const warmup = quick ? 1 : 3;

interface Mode {
  name: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

const exportEnv = (sink: string): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: sink,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_SERVICE_NAME: 'bench',
});

function modes(sink: string): Mode[] {
  const otelArgs = ['--experimental-loader=@opentelemetry/instrumentation/hook.mjs', '--import', '@opentelemetry/auto-instrumentations-node/register'];
  // Same resource detectors for both (the plain default also asks cloud metadata endpoints).
  const otelEnv = { ...exportEnv(sink), OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process', NODE_NO_WARNINGS: '1' };
  return [
    { name: 'uninstrumented', nodeArgs: [], env: {} },
    { name: 'tracelight 100%', nodeArgs: ['--import', '@tracelight/instrument/register'], env: exportEnv(sink) },
    {
      name: 'tracelight 1%',
      nodeArgs: ['--import', '@tracelight/instrument/register'],
      env: { ...exportEnv(sink), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
    },
    { name: 'otel 100%', nodeArgs: otelArgs, env: otelEnv },
    {
      name: 'otel 1%',
      nodeArgs: otelArgs,
      env: { ...otelEnv, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
    },
  ];
}

const routes = [
  { name: 'hello', path: '/hello' },
  { name: 'outgoing', path: '/outgoing/1' },
];

const children = new Set<ChildProcess>();
function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', stopAll);

function start(file: string, nodeArgs: string[], env: Record<string, string>): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [...nodeArgs, file], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve({ child, line: out.trim() });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited early (${code})`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
  children.delete(child);
}

interface Load {
  rps: number;
  /** Server CPU time (user + system) per request, in microseconds: robust to a busy machine. */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** utime + stime of a process in seconds, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

async function measure(url: string, seconds: number, serverPid: number): Promise<Load> {
  const before = cpuSeconds(serverPid);
  const load = await autocannon(url, seconds);
  const cpu = cpuSeconds(serverPid) - before;
  return { ...load, cpuUsPerRequest: Number(((cpu * 1e6) / Math.max(1, load.total)).toFixed(1)) };
}

function autocannon(url: string, seconds: number): Promise<Omit<Load, 'cpuUsPerRequest'> & { total: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(seconds), '--json', url], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', () => {});
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        errors: number;
        non2xx: number;
      };
      resolve({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  // The kit is measured as users get it: built JavaScript.
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/instrument')], { stdio: 'inherit' });
  const helper = await start(join(here, 'internal/overhead-upstream.mjs'), [], {});
  const [upstreamPort, sinkPort] = helper.line.split(' ');
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const sinkUrl = `http://127.0.0.1:${sinkPort}`;
  const all = modes(sinkUrl);
  const samples = new Map<string, Load[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate the order each round so drift on a shared machine does not favour one mode.
      const order = round % 2 === 0 ? all : [...all].reverse();
      for (const mode of order) {
        const server = await start(join(here, 'internal/overhead-server.mjs'), mode.nodeArgs, { ...mode.env, UPSTREAM_URL: upstreamUrl });
        const base = `http://127.0.0.1:${server.line}`;
        try {
          for (const route of routes) {
            await autocannon(`${base}${route.path}`, warmup);
            const load = await measure(`${base}${route.path}`, duration, server.child.pid!);
            const key = `${mode.name}|${route.name}`;
            samples.set(key, [...(samples.get(key) ?? []), load]);
            console.error(`round ${round + 1} ${mode.name.padEnd(16)} ${route.name.padEnd(9)} ${load.rps.toFixed(0).padStart(7)} req/s  p99 ${load.p99} ms  cpu ${load.cpuUsPerRequest} µs/req  errors ${load.errors + load.non2xx}`);
          }
        } finally {
          await stop(server.child);
        }
      }
    }
  } finally {
    await stop(helper.child);
    stopAll();
  }

  const results: Array<Record<string, unknown>> = [];
  for (const route of routes) {
    const baseline = samples.get(`uninstrumented|${route.name}`)!;
    const baseRps = median(baseline.map((l) => l.rps));
    const baseP99 = median(baseline.map((l) => l.p99));
    const baseCpu = median(baseline.map((l) => l.cpuUsPerRequest));
    for (const mode of all) {
      const s = samples.get(`${mode.name}|${route.name}`)!;
      const rps = median(s.map((l) => l.rps));
      const p99 = median(s.map((l) => l.p99));
      results.push({
        route: route.name,
        mode: mode.name,
        requestsPerSecond: Math.round(rps),
        p50Ms: median(s.map((l) => l.p50)),
        p99Ms: p99,
        throughputRatio: Number((rps / baseRps).toFixed(3)),
        p99Ratio: Number((p99 / baseP99).toFixed(3)),
        cpuUsPerRequest: median(s.map((l) => l.cpuUsPerRequest)),
        cpuRatio: Number((median(s.map((l) => l.cpuUsPerRequest)) / baseCpu).toFixed(3)),
        errors: s.reduce((n, l) => n + l.errors + l.non2xx, 0),
        samples: s.length,
      });
    }
  }
  const get = (route: string, mode: string) => results.find((r) => r.route === route && r.mode === mode)!;
  const targets = routes.map((route) => ({
    route: route.name,
    kit100AtLeast85PercentOfUninstrumented: (get(route.name, 'tracelight 100%').throughputRatio as number) >= 0.85,
    kit100AtLeastAsFastAsOtel100: (get(route.name, 'tracelight 100%').requestsPerSecond as number) >= (get(route.name, 'otel 100%').requestsPerSecond as number),
    kit1AtLeast95PercentOfUninstrumented: (get(route.name, 'tracelight 1%').throughputRatio as number) >= 0.95,
  }));
  const report = {
    benchmark: 'overhead',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadAverageAtEnd: loadavg() },
    settings: { durationSeconds: duration, warmupSeconds: warmup, connections, rounds, loadGenerator: 'autocannon (separate process)' },
    note: quick ? 'quick smoke run; not for comparison' : undefined,
    results,
    targets,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results/overhead.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(`\noverhead: ${duration}s x ${rounds} rounds, ${connections} connections, median of rounds\n`);
  console.log(`${'route'.padEnd(10)}${'mode'.padEnd(18)}${'req/s'.padStart(9)}${'ratio'.padStart(8)}${'p99 ms'.padStart(9)}${'p99 ratio'.padStart(11)}${'cpu µs/req'.padStart(12)}${'cpu ratio'.padStart(11)}`);
  for (const r of results) {
    console.log(
      `${String(r.route).padEnd(10)}${String(r.mode).padEnd(18)}${String(r.requestsPerSecond).padStart(9)}${Number(r.throughputRatio).toFixed(2).padStart(8)}${String(r.p99Ms).padStart(9)}${Number(r.p99Ratio).toFixed(2).padStart(11)}${String(r.cpuUsPerRequest).padStart(12)}${Number(r.cpuRatio).toFixed(2).padStart(11)}`,
    );
  }
  console.log('\ntargets:', JSON.stringify(targets));
}

main().catch((err: unknown) => {
  stopAll();
  console.error(err);
  process.exitCode = 1;
});
