/**
 * Instrumentation overhead: a Fastify "hello world" route and a route making one outgoing HTTP
 * call (fetch), under load from autocannon (a separate process), for
 *   - uninstrumented,
 *   - @tracelight/instrument (`--import @tracelight/instrument/register`) at 100% and 1% sampling,
 *   - the plain OpenTelemetry setup (`@opentelemetry/auto-instrumentations-node/register` with the
 *     ESM loader hook) at 100% and 1%,
 * each exporting OTLP/HTTP protobuf to a sink process that drops what it gets.
 *
 * Method, so that a shared machine distorts as little as possible:
 *   - the server is pinned to one core and autocannon (plus the upstream/sink helper) to the other
 *     (`taskset`, when there are at least 2 cores and taskset exists);
 *   - every mode's server is started (and warmed up) once and stays up; the measurements cycle
 *     through the modes (A B C ... A B C ...) for several rounds, each mode getting the same
 *     connections and duration, and each figure is the median of the rounds;
 *   - besides requests/s and p99 (wall-clock: what the issue's targets are written in), the
 *     server's CPU time per request (utime + stime from /proc) is reported: it hardly depends on
 *     what else runs on the machine, so it is the figure to trust on a busy one;
 *   - the load average before and after, and the share of the machine's CPU used by processes
 *     other than the benchmark's during each measurement, are recorded, and the run is labelled
 *     `loaded` when others used more than 10% of it.
 *
 *   node bench/overhead.ts                       # 5 s per measurement, 50 connections, 6 rounds
 *   node bench/overhead.ts --quick               # 2 s per measurement, 1 round (smoke test)
 *   node bench/overhead.ts --duration 10 --rounds 10 --connections 100
 *   node bench/overhead.ts --modes none,kit-1 --routes hello --rounds 5   # a subset (writes no JSON
 *                                                # unless --out FILE)
 *   node bench/overhead.ts --modes kit-1 --routes hello --profile /tmp/prof   # server CPU profiles
 *   node bench/overhead.ts --snapshot /path/to/old/dist --modes kit-1,snap-1   # A/B two builds of the kit
 *   node bench/overhead.ts --modes kit-0,kit-0+TRACELIGHT_TRACERESPONSE=false --routes hello
 *                                                # a mode with its environment changed (diagnostics)
 *
 * Mode ids: none, kit-100, kit-1, otel-100, otel-1; kit-0 (nothing sampled) and floor (the least a
 * tracer can do per request: internal/overhead-floor.mjs), diagnostics not in the default set;
 * snap-100, snap-1 with --snapshot (another build of the kit, given as its dist folder, e.g. a
 * copy of packages/instrument/dist kept inside packages/instrument so that it resolves the same
 * dependencies). Servers are child processes stopped by pid; ports are ephemeral.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
function opt(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
function num(name: string, fallback: number): number {
  const v = opt(name);
  return v === undefined ? fallback : Number(v);
}
const duration = num('duration', quick ? 2 : 5);
const warmup = num('warmup', quick ? 1 : 3);
const connections = num('connections', 50);
const rounds = num('rounds', quick ? 1 : 6);
const profileDir = opt('profile');
const snapshotOpt = opt('snapshot');
const snapshot = snapshotOpt === undefined ? undefined : resolve(snapshotOpt);
const note = opt('note');

interface Mode {
  id: string;
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
const onePercent = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' };

function allModes(sink: string): Mode[] {
  const kitArgs = ['--import', '@tracelight/instrument/register'];
  const otelArgs = ['--experimental-loader=@opentelemetry/instrumentation/hook.mjs', '--import', '@opentelemetry/auto-instrumentations-node/register'];
  // Same resource detectors for both (the plain default also asks cloud metadata endpoints).
  const otelEnv = { ...exportEnv(sink), OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process', NODE_NO_WARNINGS: '1' };
  return [
    { id: 'none', name: 'uninstrumented', nodeArgs: [], env: {} },
    { id: 'kit-100', name: 'tracelight 100%', nodeArgs: kitArgs, env: exportEnv(sink) },
    { id: 'kit-1', name: 'tracelight 1%', nodeArgs: kitArgs, env: { ...exportEnv(sink), ...onePercent } },
    { id: 'otel-100', name: 'otel 100%', nodeArgs: otelArgs, env: otelEnv },
    { id: 'otel-1', name: 'otel 1%', nodeArgs: otelArgs, env: { ...otelEnv, ...onePercent } },
    // Diagnostic only (never in the default set): the kit deciding every request unsampled, and
    // the least any tracer keeping per-request trace ids must do (overhead-floor.mjs), at 1%.
    { id: 'floor', name: 'floor 1%', nodeArgs: ['--import', join(here, 'internal/overhead-floor.mjs')], env: onePercent },
    { id: 'kit-0', name: 'tracelight 0%', nodeArgs: kitArgs, env: { ...exportEnv(sink), ...onePercent, OTEL_TRACES_SAMPLER_ARG: '0' } },
    ...(snapshot
      ? [
          { id: 'snap-100', name: 'snapshot 100%', nodeArgs: ['--import', join(snapshot, 'register.js')], env: exportEnv(sink) },
          { id: 'snap-1', name: 'snapshot 1%', nodeArgs: ['--import', join(snapshot, 'register.js')], env: { ...exportEnv(sink), ...onePercent } },
        ]
      : []),
  ];
}

const allRoutes = [
  { name: 'hello', path: '/hello' },
  { name: 'outgoing', path: '/outgoing/1' },
];

// Core 1 for the server under test, core 0 for everything that drives it.
const pin = cpus().length >= 2 && existsSync('/usr/bin/taskset') && !args.includes('--no-pin');
const SERVER_CORE = '1';
const DRIVER_CORE = '0';
function pinned(core: string, argv: string[]): [string, string[]] {
  return pin ? ['/usr/bin/taskset', ['-c', core, ...argv]] : [argv[0], argv.slice(1)];
}

const children = new Set<ChildProcess>();
function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', stopAll);

function start(file: string, core: string, nodeArgs: string[], env: Record<string, string>): Promise<{ child: ChildProcess; line: string }> {
  // taskset execs node, so the pid is node's.
  const [cmd, argv] = pinned(core, [process.execPath, ...nodeArgs, file]);
  const child = spawn(cmd, argv, {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
  children.delete(child);
}

/** utime + stime of a process (all its threads) in seconds, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq] = line.split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Load {
  rps: number;
  /** Server CPU time (user + system, all threads) per request, in microseconds. */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Share of the machine's CPU used by processes outside this benchmark during the run (0..1). */
  othersCpuShare: number;
}

interface Autocannon {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  pid: number | undefined;
}

function autocannon(url: string, seconds: number, onStart?: (pid: number | undefined) => void): Promise<Autocannon> {
  const [cmd, argv] = pinned(DRIVER_CORE, [
    process.execPath,
    join(root, 'node_modules/autocannon/autocannon.js'),
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '--json',
    url,
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    onStart?.(child.pid);
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
      resolve({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, pid: child.pid });
    });
  });
}

async function measure(url: string, seconds: number, serverPid: number, helperPid: number | undefined): Promise<Load> {
  const ownPid = process.pid;
  const before = { server: cpuSeconds(serverPid), helper: cpuSeconds(helperPid), own: cpuSeconds(ownPid), machine: machineBusySeconds() };
  let loaderCpu = 0;
  let loaderPid: number | undefined;
  const started = performance.now();
  const timer = setInterval(() => {
    // autocannon's own CPU, read while it lives (its /proc entry goes when it exits).
    const c = cpuSeconds(loaderPid);
    if (Number.isFinite(c)) loaderCpu = c;
  }, 200);
  let load: Autocannon;
  try {
    load = await autocannon(url, seconds, (pid) => (loaderPid = pid));
  } finally {
    clearInterval(timer);
  }
  const wall = (performance.now() - started) / 1000;
  const server = cpuSeconds(serverPid) - before.server;
  const ours = server + (cpuSeconds(helperPid) - before.helper) + (cpuSeconds(ownPid) - before.own) + loaderCpu;
  const machine = machineBusySeconds() - before.machine;
  // autocannon's last ~200 ms are not seen; the share is an indication, not an accounting.
  const others = Math.max(0, (machine - ours) / (wall * cpus().length));
  return {
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    errors: load.errors,
    non2xx: load.non2xx,
    cpuUsPerRequest: Number(((server * 1e6) / Math.max(1, load.total)).toFixed(1)),
    othersCpuShare: Number(others.toFixed(3)),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function pick<T extends { id?: string; name: string }>(list: T[], wanted: string | undefined, key: (t: T) => string): T[] {
  if (wanted === undefined) return list;
  const ids = wanted.split(',');
  const out = list.filter((t) => ids.includes(key(t)));
  if (out.length !== ids.length) throw new Error(`unknown id in ${wanted}; known: ${list.map(key).join(', ')}`);
  return out;
}

/**
 * Modes by id; `id+K=V+K2=V2` is a variant of a mode with its environment changed (diagnostics,
 * e.g. `kit-0+OTEL_NODE_DISABLED_INSTRUMENTATIONS=fastify`; a value runs to the next `+`), and
 * `kit-1+@dist=FOLDER` the kit's mode with another build of it (as `--snapshot`, any number of them).
 */
function pickModes(list: Mode[], wanted: string): Mode[] {
  return wanted.split(',').map((spec) => {
    const [id, ...envParts] = spec.split('+');
    const mode = pick(list, id, (m) => m.id)[0];
    if (envParts.length === 0) return mode;
    const env = { ...mode.env };
    let nodeArgs = mode.nodeArgs;
    for (const part of envParts) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`expected K=V in ${spec}`);
      // `@dist=FOLDER`: another build of the kit (as --snapshot) in place of packages/instrument/dist.
      if (part.startsWith('@dist=')) nodeArgs = ['--import', join(resolve(part.slice(eq + 1)), 'register.js')];
      else env[part.slice(0, eq)] = part.slice(eq + 1);
    }
    return { ...mode, id: spec, name: `${mode.name} ${envParts.join(' ')}`, env, nodeArgs };
  });
}

async function main(): Promise<void> {
  // The kit is measured as users get it: built JavaScript.
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/instrument')], { stdio: 'inherit' });
  const loadBefore = loadavg();
  const helper = await start(join(here, 'internal/overhead-upstream.mjs'), DRIVER_CORE, [], {});
  const [upstreamPort, sinkPort] = helper.line.split(' ');
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const sinkUrl = `http://127.0.0.1:${sinkPort}`;
  const modes = pickModes(allModes(sinkUrl), opt('modes') ?? 'none,kit-100,kit-1,otel-100,otel-1');
  const routes = pick(allRoutes, opt('routes'), (r) => r.name);
  const samples = new Map<string, Load[]>();
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  // Every mode's server runs for the whole benchmark; the measurements cycle through them.
  const servers: Array<{ mode: Mode; child: ChildProcess; base: string; startedAt: number }> = [];
  try {
    for (const mode of modes) {
      const profArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${mode.id}.cpuprofile`] : [];
      const server = await start(join(here, 'internal/overhead-server.mjs'), SERVER_CORE, [...profArgs, ...mode.nodeArgs], {
        ...mode.env,
        UPSTREAM_URL: upstreamUrl,
        ...(profileDir ? { BENCH_EXIT_ON_SIGTERM: '1' } : {}),
      });
      servers.push({ mode, child: server.child, base: `http://127.0.0.1:${server.line}`, startedAt: performance.now() });
    }
    for (const server of servers) for (const route of routes) await autocannon(`${server.base}${route.path}`, warmup);
    if (profileDir) {
      for (const s of servers) {
        const skip = Math.ceil((performance.now() - s.startedAt) / 1000) + 1;
        console.error(`profile: node bench/internal/overhead-profile-summary.ts ${join(profileDir, `${s.mode.id}.cpuprofile`)} --skip ${skip}`);
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const route of routes) {
        for (const { mode, child, base } of servers) {
          const load = await measure(`${base}${route.path}`, duration, child.pid!, helper.child.pid);
          const key = `${mode.id}|${route.name}`;
          samples.set(key, [...(samples.get(key) ?? []), load]);
          console.error(
            `round ${round + 1} ${mode.name.padEnd(16)} ${route.name.padEnd(9)} ${load.rps.toFixed(0).padStart(7)} req/s  p99 ${load.p99} ms  cpu ${load.cpuUsPerRequest} µs/req  others ${(load.othersCpuShare * 100).toFixed(0)}%  errors ${load.errors + load.non2xx}`,
          );
        }
      }
    }
  } finally {
    for (const { child } of servers) await stop(child);
    await stop(helper.child);
    stopAll();
  }
  const loadAfter = loadavg();

  const results: Array<Record<string, unknown>> = [];
  const hasBaseline = modes.some((m) => m.id === 'none');
  for (const route of routes) {
    const baseline = samples.get(`none|${route.name}`);
    const baseRps = baseline ? median(baseline.map((l) => l.rps)) : Number.NaN;
    const baseP99 = baseline ? median(baseline.map((l) => l.p99)) : Number.NaN;
    const baseCpu = baseline ? median(baseline.map((l) => l.cpuUsPerRequest)) : Number.NaN;
    for (const mode of modes) {
      const s = samples.get(`${mode.id}|${route.name}`)!;
      const rps = median(s.map((l) => l.rps));
      const p99 = median(s.map((l) => l.p99));
      const cpu = median(s.map((l) => l.cpuUsPerRequest));
      results.push({
        route: route.name,
        mode: mode.name,
        modeId: mode.id,
        requestsPerSecond: Math.round(rps),
        p50Ms: median(s.map((l) => l.p50)),
        p99Ms: p99,
        throughputRatio: Number((rps / baseRps).toFixed(3)),
        p99Ratio: Number((p99 / baseP99).toFixed(3)),
        cpuUsPerRequest: Number(cpu.toFixed(1)),
        cpuUsPerRequestRounds: s.map((l) => l.cpuUsPerRequest),
        cpuRatio: Number((cpu / baseCpu).toFixed(3)),
        // CPU cost as a throughput bound: what a core-bound server could serve relative to uninstrumented.
        cpuThroughputRatio: Number((baseCpu / cpu).toFixed(3)),
        othersCpuShare: median(s.map((l) => l.othersCpuShare)),
        errors: s.reduce((n, l) => n + l.errors + l.non2xx, 0),
        samples: s.length,
      });
    }
  }
  const get = (route: string, mode: string) => results.find((r) => r.route === route && r.mode === mode);
  const targets = [];
  for (const route of routes) {
    const k100 = get(route.name, 'tracelight 100%');
    const k1 = get(route.name, 'tracelight 1%');
    const o100 = get(route.name, 'otel 100%');
    if (!hasBaseline || !k100 || !k1 || !o100) continue;
    const n = (r: Record<string, unknown>, k: string) => r[k] as number;
    targets.push({
      route: route.name,
      byRequestsPerSecond: {
        kit100AtLeast85PercentOfUninstrumented: n(k100, 'throughputRatio') >= 0.85,
        kit100AtLeastAsFastAsOtel100: n(k100, 'requestsPerSecond') >= n(o100, 'requestsPerSecond'),
        kit1AtLeast95PercentOfUninstrumented: n(k1, 'throughputRatio') >= 0.95,
      },
      byCpuPerRequest: {
        kit100AtLeast85PercentOfUninstrumented: n(k100, 'cpuThroughputRatio') >= 0.85,
        kit100AtLeastAsCheapAsOtel100: n(k100, 'cpuUsPerRequest') <= n(o100, 'cpuUsPerRequest'),
        kit1AtLeast95PercentOfUninstrumented: n(k1, 'cpuThroughputRatio') >= 0.95,
      },
    });
  }
  const othersShare = median(results.map((r) => r.othersCpuShare as number));
  const loaded = othersShare > 0.1 || loadBefore[0] > 0.5;
  const report = {
    benchmark: 'overhead',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: loadAfter.map((x) => Number(x.toFixed(2))),
      othersCpuShareMedian: othersShare,
      loaded,
    },
    settings: {
      durationSeconds: duration,
      warmupSeconds: warmup,
      connections,
      rounds,
      order: 'one long-lived server per mode; measurements cycle A B C ... per round, same order every round; figures are medians of rounds',
      pinning: pin ? `server on core ${SERVER_CORE}; autocannon and the upstream/sink helper on core ${DRIVER_CORE} (taskset)` : 'none',
      loadGenerator: 'autocannon 9 (separate process)',
      export: 'OTLP/HTTP protobuf to a local sink that drops the data',
    },
    note:
      note ??
      (loaded
        ? 'measured on a loaded machine: requests/s and p99 are disturbed by other processes; CPU µs per request is the robust figure'
        : undefined),
    results,
    targets,
  };
  // A subset or a profiled run does not replace the published result unless asked to (--out FILE).
  const subset = opt('modes') !== undefined || opt('routes') !== undefined || profileDir !== undefined;
  const out = opt('out') ?? (subset ? undefined : join(here, 'results/overhead.json'));
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  }

  console.log(
    `\noverhead: ${duration}s x ${rounds} rounds, ${connections} connections, median of rounds; load average before ${report.machine.loadAverageBefore.join(' ')}, after ${report.machine.loadAverageAfter.join(' ')}; other processes used ${(othersShare * 100).toFixed(0)}% of the machine -> ${loaded ? 'LOADED machine (trust the CPU columns, not req/s)' : 'quiet machine'}\n`,
  );
  console.log(
    `${'route'.padEnd(10)}${'mode'.padEnd(18)}${'req/s'.padStart(8)}${'ratio'.padStart(7)}${'p99 ms'.padStart(8)}${'p99 ratio'.padStart(10)}${'cpu µs/req'.padStart(12)}${'cpu ratio'.padStart(10)}${'cpu-bound ratio'.padStart(16)}`,
  );
  for (const r of results) {
    if (subset) console.error(`${String(r.route).padEnd(10)}${String(r.mode).padEnd(18)} cpu µs/req by round: ${(r.cpuUsPerRequestRounds as number[]).join(' ')}`);
    console.log(
      `${String(r.route).padEnd(10)}${String(r.mode).padEnd(18)}${String(r.requestsPerSecond).padStart(8)}${Number(r.throughputRatio).toFixed(2).padStart(7)}${String(r.p99Ms).padStart(8)}${Number(r.p99Ratio).toFixed(2).padStart(10)}${String(r.cpuUsPerRequest).padStart(12)}${Number(r.cpuRatio).toFixed(2).padStart(10)}${Number(r.cpuThroughputRatio).toFixed(2).padStart(16)}`,
    );
  }
  if (targets.length > 0) console.log('\ntargets:', JSON.stringify(targets, null, 1));
}

main().catch((err: unknown) => {
  stopAll();
  console.error(err);
  process.exitCode = 1;
});
