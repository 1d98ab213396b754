import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');

let built = false;

/** The packages the CLI's code imports: a type error in any of these fails the build for us. */
const CLI_PACKAGES = ['core', 'otlp', 'store', 'store-duckdb', 'store-clickhouse', 'collector', 'query', 'cli'];

/**
 * Builds the CLI and what it depends on (`tsc -b`, incremental: a no-op when dist is current).
 * Several test files may call this at once in parallel workers, so the build runs under flock.
 * `tsc -b` still emits when a referenced project has type errors; errors in packages the CLI does
 * not import (work in progress elsewhere) are reported as a warning, not a failure.
 */
export function ensureCliBuilt(): void {
  if (built) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const args = [process.execPath, tsc, '-b', join(ROOT, 'packages/cli')];
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const run = hasFlock
    ? spawnSync('flock', ['/tmp/tracelight-e2e-build.lock', ...args], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync(args[0], args.slice(1), { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    const errors = `${run.stdout}${run.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line));
    const ours = errors.filter((line) => CLI_PACKAGES.some((p) => line.startsWith(`packages/${p}/`)));
    if (ours.length > 0 || errors.length === 0 || !existsSync(BIN)) {
      throw new Error(`building the CLI failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    console.warn(`building the CLI: type errors outside its packages, ignored:\n${errors.join('\n')}`);
  }
  built = true;
}

export interface RunningTracelight {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
  /** `http://127.0.0.1:<otlp-http-port>` */
  readonly otlpHttpUrl: string;
  /** `http://127.0.0.1:<http-port>`: the query API and UI */
  readonly apiUrl: string;
  stdout(): string;
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Sends the signal and resolves the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const started = new Set<ChildProcess>();

export function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** `start`'s store arguments: a fresh DuckDB folder, unless `args` choose a store or folder themselves. */
function ownDataDirFor(args: readonly string[]): string | undefined {
  return args.some((a) => a === '--store' || a === '--memory' || a === '--data-dir') ? undefined : mkdtempSync(join(tmpdir(), 'tracelight-e2e-'));
}

/**
 * Runs `tracelight <args>` to completion (for commands that exit by themselves). A `start` runs
 * on a fresh DuckDB folder unless `args` choose a store, so nothing depends on ./tracelight-data.
 */
export async function runTracelight(args: readonly string[], timeoutMs = 20_000): Promise<Exited> {
  ensureCliBuilt();
  const dataDir = args[0] === 'start' ? ownDataDirFor(args) : undefined;
  const child = spawn(process.execPath, [BIN, ...args, ...(dataDir ? ['--data-dir', dataDir] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  if (dataDir) void waitForExit(child).then(() => rmSync(dataDir, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await waitForExit(child);
  clearTimeout(timer);
  started.delete(child);
  return { code, stdout, stderr };
}

/**
 * Starts `tracelight start` as a child process on free ports (port 0 everywhere unless `args`
 * says otherwise) and resolves once it printed that it is ready, with the ports it printed.
 * Unless `args` choose a store or a data folder, it runs the default store (DuckDB) in a fresh
 * temporary folder, removed when the process has stopped.
 */
export async function startTracelight(args: readonly string[] = []): Promise<RunningTracelight> {
  ensureCliBuilt();
  const ownDataDir = ownDataDirFor(args);
  const child = spawn(
    process.execPath,
    [
      BIN, 'start', '--otlp-grpc-port', '0', '--otlp-http-port', '0', '--http-port', '0', '--zipkin-port', '0', '--metrics-port', '0',
      '--span-metrics-port', '0', '--sampling-port', '0', ...(ownDataDir ? ['--data-dir', ownDataDir] : []), ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.add(child);
  if (ownDataDir) void waitForExit(child).then(() => rmSync(ownDataDir, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = waitForExit(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tracelight did not get ready in 20 s:\n${stdout}\n${stderr}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^ready/m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tracelight exited with ${code} before it was ready:\n${stdout}\n${stderr}`));
    });
  });
  const port = (re: RegExp) => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`no ${re} in tracelight's output:\n${stdout}`);
    return Number(m[1]);
  };
  const grpcPort = port(/OTLP\/gRPC\s+\S+:(\d+)/);
  const httpPort = port(/OTLP\/HTTP\s+http:\/\/\S+:(\d+)\//);
  const apiPort = port(/UI \+ API\s+http:\/\/\S+:(\d+)\//);
  return {
    child,
    pid: child.pid!,
    grpcPort,
    httpPort,
    apiPort,
    otlpHttpUrl: `http://127.0.0.1:${httpPort}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    stdout: () => stdout,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      const code = await exited;
      started.delete(child);
      return code;
    },
  };
}

/**
 * Stops every child of `children` that still runs, by pid: `signal` first, SIGKILL after `graceMs`;
 * empties the set. For afterAll.
 */
export async function stopChildren(children: Set<ChildProcess>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, signal);
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), graceMs);
        await waitForExit(child);
        clearTimeout(timer);
      }
      children.delete(child);
    }),
  );
}

/** Kills (by pid) every process these helpers started that is still running; for afterAll. */
export async function stopAllTracelights(): Promise<void> {
  await stopChildren(started, 'SIGTERM', 5_000);
}
