/**
 * Paired A/B of two server setups for bench/overhead.ts, for telling small differences apart on a
 * busy machine: both servers run at the same time on the same core, each loaded by its own
 * autocannon (both on the other core), so whatever else the machine does slows both alike. Per
 * round it reports each server's CPU µs per request and the difference; the median of the
 * per-round differences is the answer.
 *
 *   node bench/internal/overhead-ab.ts --a none --b kit-1 [--route hello] [--rounds 8] [--duration 4]
 *   node bench/internal/overhead-ab.ts --a snap:packages/instrument/.snap/v1/dist:1 --b kit-1
 *
 * `--user` / `--system` count only user or only system CPU time.
 *
 * `--profile DIR` writes both servers' CPU profiles (a.cpuprofile, b.cpuprofile).
 *
 * Setups: none, kit-100, kit-1, otel-100, otel-1, floor (overhead-floor.mjs at 1%), or
 * snap:<dist folder>:<100|1> for another build of the kit. Add `+K=V` after a setup, once per
 * variable, to change its environment, e.g.
 * `kit-100+OTEL_TRACES_EXPORTER=none` or `kit-1+OTEL_TRACES_SAMPLER_ARG=0+TRACELIGHT_EXPORT_THREAD=false`
 * (a value runs to the next `+`: `OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,undici` is one variable).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(opt('rounds', '8'));
const duration = Number(opt('duration', '4'));
const connections = Number(opt('connections', '20'));
const route = opt('route', 'hello') === 'hello' ? '/hello' : '/outgoing/1';

interface Setup {
  nodeArgs: string[];
  env: Record<string, string>;
}

function setup(spec: string, sink: string): Setup {
  const [base, ...envParts] = spec.split('+');
  const exportEnv = {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'bench',
  };
  const onePercent = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' };
  const kit = ['--import', '@tracelight/instrument/register'];
  const otel = ['--experimental-loader=@opentelemetry/instrumentation/hook.mjs', '--import', '@opentelemetry/auto-instrumentations-node/register'];
  const otelEnv = { ...exportEnv, OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process', NODE_NO_WARNINGS: '1' };
  let s: Setup;
  if (base === 'none') s = { nodeArgs: [], env: {} };
  else if (base === 'kit-100') s = { nodeArgs: kit, env: exportEnv };
  else if (base === 'kit-1') s = { nodeArgs: kit, env: { ...exportEnv, ...onePercent } };
  else if (base === 'otel-100') s = { nodeArgs: otel, env: otelEnv };
  else if (base === 'otel-1') s = { nodeArgs: otel, env: { ...otelEnv, ...onePercent } };
  else if (base === 'floor') s = { nodeArgs: ['--import', join(here, 'overhead-floor.mjs')], env: onePercent };
  else if (base.startsWith('snap:')) {
    const [, dir, pct] = base.split(':');
    s = { nodeArgs: ['--import', join(resolve(dir), 'register.js')], env: pct === '1' ? { ...exportEnv, ...onePercent } : exportEnv };
  } else throw new Error(`unknown setup ${spec}`);
  for (const kv of envParts) {
    const eq = kv.indexOf('=');
    s.env = { ...s.env, [kv.slice(0, eq)]: kv.slice(eq + 1) };
  }
  return s;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(file: string, core: string, nodeArgs: string[], env: Record<string, string>): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn('/usr/bin/taskset', ['-c', core, process.execPath, ...nodeArgs, file], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) ok({ child, line: out.trim() });
    });
    child.once('exit', (code) => fail(new Error(`${file} exited (${code})`)));
  });
}

const systemOnly = args.includes('--system');
const userOnly = args.includes('--user');
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(f[11]);
  const system = Number(f[12]);
  return (systemOnly ? system : userOnly ? user : user + system) / 100;
}

function load(url: string, seconds: number): Promise<number> {
  const child = spawn('/usr/bin/taskset', ['-c', '0', process.execPath, join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(seconds), '--json', url], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.add(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((ok, fail) =>
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0) return fail(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out) as { requests: { total: number }; errors: number; non2xx: number };
      if (r.errors + r.non2xx > 0) return fail(new Error(`${r.errors + r.non2xx} failed requests on ${url}`));
      ok(r.requests.total);
    }),
  );
}

const served = [0, 0];
async function measure(servers: Array<{ pid: number; url: string }>): Promise<number[]> {
  const before = servers.map((s) => cpuSeconds(s.pid));
  const totals = await Promise.all(servers.map((s) => load(s.url, duration)));
  totals.forEach((t, i) => (served[i] += t));
  return servers.map((s, i) => ((cpuSeconds(s.pid) - before[i]) * 1e6) / totals[i]);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const helper = await start(join(here, 'overhead-upstream.mjs'), '0', [], {});
  const [upstreamPort, sinkPort] = helper.line.split(' ');
  const specs = [opt('a', 'none'), opt('b', 'kit-1')];
  const profileDir = opt('profile', '');
  const servers = [];
  for (const [i, spec] of specs.entries()) {
    const s = setup(spec, `http://127.0.0.1:${sinkPort}`);
    const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${i === 0 ? 'a' : 'b'}.cpuprofile`] : [];
    const started = await start(join(here, 'overhead-server.mjs'), '1', [...prof, ...s.nodeArgs], {
      ...s.env,
      UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
      ...(profileDir ? { BENCH_EXIT_ON_SIGTERM: '1' } : {}),
    });
    servers.push({ pid: started.child.pid!, url: `http://127.0.0.1:${started.line}${route}`, child: started.child });
  }
  (await Promise.all(servers.map((s) => load(s.url, 3)))).forEach((t, i) => (served[i] += t));
  const diffs: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [ca, cb] = await measure(servers);
    a.push(ca);
    b.push(cb);
    diffs.push(cb - ca);
    console.log(`round ${r + 1}: A ${ca.toFixed(1)} µs/req  B ${cb.toFixed(1)} µs/req  B-A ${(cb - ca).toFixed(1)}`);
  }
  console.log(
    `${specs[0]} -> ${specs[1]} (${route}): A ${median(a).toFixed(1)}  B ${median(b).toFixed(1)}  median B-A ${median(diffs).toFixed(1)} µs/req  B/A ${(median(b) / median(a)).toFixed(3)}`,
  );
  if (profileDir) console.log(`requests served (for per-request profile figures): A ${served[0]}  B ${served[1]}`);
  await Promise.all(servers.map((s) => new Promise((ok) => {
    s.child.once('exit', ok);
    s.child.kill('SIGTERM');
  })));
  helper.child.kill('SIGTERM');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
