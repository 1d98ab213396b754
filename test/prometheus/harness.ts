// A private Prometheus server (Debian's `prometheus` package) for tests: a temporary config that
// scrapes the given targets every `scrapeIntervalSeconds`, a temporary data dir, a loopback port
// from 21700-21799, stopped by pid. Installed on demand by scripts/ensure-prometheus.sh.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The ports this harness may use. */
export const PROMETHEUS_PORTS = { first: 21700, last: 21799 } as const;

export interface StartPrometheusOptions {
  /** `host:port` of each scrape target (path /metrics). */
  readonly targets: readonly string[];
  /** Default 1. */
  readonly scrapeIntervalSeconds?: number;
  /** How long to wait for the server to get ready. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RunningPrometheus {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** An instant PromQL query over the HTTP API (`/api/v1/query`); rejects on an error answer. */
  query(promql: string): Promise<PromSample[]>;
  /** Resolves once every target was scraped successfully at least once (health "up"). */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** What Prometheus printed (stderr), for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** Installs Debian's prometheus package when the server binary is missing. */
export function ensurePrometheusInstalled(): void {
  if (spawnSync('prometheus', ['--version']).status === 0) return;
  const run = spawnSync('bash', [join(ROOT, 'scripts/ensure-prometheus.sh')], { encoding: 'utf8' });
  if (run.status !== 0 || spawnSync('prometheus', ['--version']).status !== 0) throw new Error(`cannot install prometheus: ${run.stderr}`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const running = new Set<RunningPrometheus>();

export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  ensurePrometheusInstalled();
  const interval = options.scrapeIntervalSeconds ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'tl-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${interval}s`,
      `  scrape_timeout: ${interval}s`,
      `  evaluation_interval: ${interval}s`,
      'scrape_configs:',
      '  - job_name: tracelight',
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  let lastError = '';
  for (let port = PROMETHEUS_PORTS.first; port <= PROMETHEUS_PORTS.last; port++) {
    if (!(await portIsFree(port))) continue;
    const child: ChildProcess = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--web.enable-lifecycle'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        if ((await fetch(`${url}/-/ready`)).status === 200) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    if (!ready) {
      child.kill('SIGKILL');
      await exited;
      lastError = stderr;
      if (/address already in use/i.test(stderr)) continue; // lost a race for the port: next one
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus did not get ready on port ${port}:\n${stderr}`);
    }
    let stopped: Promise<void> | undefined;
    const self: RunningPrometheus = {
      pid: child.pid!,
      port,
      url,
      log: () => stderr,
      async query(promql) {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
        if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? res.status}`);
        if (body.data!.resultType !== 'vector') throw new Error(`PromQL ${promql}: expected a vector, got ${body.data!.resultType}`);
        return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      },
      async waitForTargetsUp(timeoutMs = 15_000) {
        const until = Date.now() + timeoutMs;
        let last = '';
        while (Date.now() < until) {
          const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
          const targets = body.data.activeTargets;
          last = JSON.stringify(targets.map((t) => [t.health, t.lastError]));
          if (targets.length === options.targets.length && targets.every((t) => t.health === 'up')) return;
          await sleep(200);
        }
        throw new Error(`prometheus targets not up within ${timeoutMs} ms: ${last}`);
      },
      stop() {
        stopped ??= (async () => {
          running.delete(self);
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
            if (!killed) {
              child.kill('SIGKILL');
              await exited;
            }
          }
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
    running.add(self);
    return self;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`no free port for prometheus in ${PROMETHEUS_PORTS.first}-${PROMETHEUS_PORTS.last}: ${lastError}`);
}

/** Stops every server this process started (for afterAll). */
export async function stopAllPrometheus(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
