import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Span } from '@tracelight/core';
import { serviceNameOf } from '@tracelight/core';
import type { ClientTrace, QueryClient } from '@tracelight/query/client';
import { buildTraceModel } from '../../../packages/ui/src/model/trace-model.js';
import type { Exited } from './tracelight.js';
import { BIN, ensureCliBuilt, ROOT, runTracelight, stopChildren, waitForExit } from './tracelight.js';

/**
 * `tracelight demo` as a child process, for the demo's end-to-end test: the services import the
 * built `@tracelight/instrument` (its `dist`), so that is built too.
 */

let instrumentBuilt = false;

export function ensureDemoBuilt(): void {
  ensureCliBuilt();
  if (instrumentBuilt) return;
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const run = spawnSync('flock', ['/tmp/tracelight-e2e-build.lock', process.execPath, tsc, '-b', join(ROOT, 'packages/instrument')], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    // tsc -b still emits on type errors; as ensureCliBuilt does, only a missing build is fatal
    // (a type error there is work in progress elsewhere, and its own tests report it).
    if (!existsSync(join(ROOT, 'packages/instrument/dist/register.js'))) {
      throw new Error(`building @tracelight/instrument failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    console.warn(`building @tracelight/instrument: type errors, ignored:\n${run.stdout}${run.stderr}`);
  }
  instrumentBuilt = true;
}

export interface RunningDemo {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`: query API and UI. */
  readonly uiUrl: string;
  readonly sampleTraceId: string;
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();


/** Runs `tracelight demo <args>` to completion (for runs that fail before starting). */
export function runDemoCommand(args: readonly string[], timeoutMs = 30_000): Promise<Exited> {
  ensureDemoBuilt();
  return runTracelight(['demo', ...args], timeoutMs);
}

/** Starts `tracelight demo <args>` and resolves once it printed "ready", with the addresses it printed. */
export async function startDemo(args: readonly string[], timeoutMs = 120_000): Promise<RunningDemo> {
  ensureDemoBuilt();
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = waitForExit(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tracelight demo was not ready in ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^ready/m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tracelight demo exited with ${code} before it was ready:\n${stdout}\n${stderr}`));
    });
  });
  const ui = /^\s+UI\s+(http:\/\/\S+?)\/?$/m.exec(stdout);
  const sample = /^\s+sample trace\s+http:\/\/\S+\/#\/trace\/([0-9a-f]{32})/m.exec(stdout);
  if (!ui || !sample) throw new Error(`no UI address or sample trace in tracelight demo's output:\n${stdout}`);
  return {
    child,
    uiUrl: ui[1],
    sampleTraceId: sample[1],
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      const code = await exited;
      running.delete(child);
      return code;
    },
  };
}

/** Stops (by pid) every demo these helpers started that still runs; for afterAll. */
export async function stopAllDemos(): Promise<void> {
  await stopChildren(running, 'SIGINT', 20_000);
}

/** Whether something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** The trace id a response's W3C `traceresponse` header names. */
export function traceIdOf(res: Response): string {
  const id = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(res.headers.get('traceresponse') ?? '')?.[1];
  if (!id) throw new Error(`no traceresponse header on the answer (${res.status})`);
  return id;
}

/**
 * Polls the query API until the trace satisfies `complete` (spans arrive from each service on its
 * own schedule), for at most `timeoutMs`; fails with what it saw last.
 */
export async function waitForTrace(
  client: QueryClient,
  traceId: string,
  complete: (spans: readonly Span[]) => boolean,
  timeoutMs = 30_000,
): Promise<ClientTrace> {
  const deadline = Date.now() + timeoutMs;
  let last: ClientTrace | undefined;
  while (Date.now() < deadline) {
    last = await client.trace(traceId);
    if (last && complete(last.spans)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`trace ${traceId} did not complete in ${timeoutMs / 1000} s; it has:\n${last ? describeTree(last.spans) : '(nothing)'}`);
}

export function serviceOf(span: Span): string {
  return serviceNameOf(span.resource);
}

/** `service: name` of a span, the way the assertions below name spans. */
export function label(span: Span): string {
  return `${serviceOf(span)}: ${span.name}`;
}

/** The trace as an indented tree of `service: name` lines (children by start time), for assertions and failure messages. */
export function describeTree(spans: readonly Span[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    const kids = (children.get(parent) ?? []).sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
    for (const s of kids) {
      lines.push(`${'  '.repeat(depth)}${label(s)}`);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

/** The one span labelled so; fails when there is none or more than one. */
export function only(spans: readonly Span[], wanted: string): Span {
  const found = spans.filter((s) => label(s) === wanted);
  if (found.length !== 1) throw new Error(`expected one span "${wanted}", found ${found.length} in:\n${describeTree(spans)}`);
  return found[0];
}

export function parentOf(spans: readonly Span[], span: Span): Span | undefined {
  return spans.find((s) => s.spanId === span.parentSpanId);
}

export function durationMs(span: Span): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
}

/**
 * The share of the trace's critical path (as the UI computes it) spent in the given spans and
 * their descendants.
 */
export function criticalPathShare(traceId: string, spans: readonly Span[], subtreeRoots: readonly Span[]): number {
  const model = buildTraceModel(traceId, spans);
  const inSubtree = new Uint8Array(model.spanCount);
  for (const root of subtreeRoots) {
    const row = model.spanIds.indexOf(root.spanId);
    if (row < 0) continue;
    for (let r = row; r < model.subtreeEnd[row]; r++) inSubtree[r] = 1;
  }
  const path = model.criticalPath;
  let inside = 0;
  for (let i = 0; i < path.rows.length; i++) if (inSubtree[path.rows[i]]) inside += path.ends[i] - path.starts[i];
  return path.totalNano === 0 ? 0 : inside / path.totalNano;
}
