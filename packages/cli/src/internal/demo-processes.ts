import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The demo's child processes: each one's output goes to its own log file, it says it is ready
 * over an IPC channel (`process.send({ ready: true })`), and it stops by itself when that channel
 * closes, so services never outlive `tracelight demo`, even when it is killed. They run in their
 * own process group: Ctrl+C reaches only `tracelight demo`, which stops them in order (services
 * first, while the receivers still take their last spans).
 */

export interface ChildSpec {
  readonly name: string;
  /** Arguments after `node`. */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Stopped, and waited for, before the others (the load generator, so no request meets a closed service). */
  readonly stopFirst?: boolean;
}

export interface DemoChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when it says it is ready; rejects (a DemoError naming it) when it exits first or `signal` aborts. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
}

/** A failure to tell people about in one line (no stack trace). */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

/**
 * Resolves when every child is ready; rejects with the first failure, or, after `timeoutMs`, with
 * a DemoError naming those still not ready.
 */
export async function allReady(children: readonly DemoChild[], timeoutMs: number): Promise<void> {
  const pending = new Set(children);
  for (const c of children) void c.ready.then(() => pending.delete(c), () => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const names = [...pending].map((c) => `${c.name} (log: ${c.logFile})`).join(', ');
      reject(new DemoError(`not ready after ${Math.round(timeoutMs / 1000)} s: ${names}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(children.map((c) => c.ready)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DemoProcesses {
  readonly logDir: string;
  start(spec: ChildSpec, signal?: AbortSignal): DemoChild;
  /** Runs a program to completion and resolves what it wrote; rejects with its last line when it fails. */
  run(spec: ChildSpec, signal?: AbortSignal): Promise<string>;
  /** Called when a child that was ready exits while the demo runs. */
  onUnexpectedExit(listener: (child: DemoChild, code: number | string) => void): void;
  /** SIGTERM to every child by pid, SIGKILL after `graceMs`; resolves when all have exited. Idempotent. */
  stopAll(graceMs?: number): Promise<void>;
}

/** The last line worth showing from a log: an error message rather than a stack frame or a JSON blob. */
export function lastProblem(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line.startsWith('{')) {
      try {
        const record = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((record.level ?? 0) >= 50) return [record.msg, record.err?.message].filter(Boolean).join(': ');
      } catch {
        // not a pino record
      }
      continue;
    }
    if (/^at /.test(line) || line.startsWith('Node.js v') || /^\^+$/.test(line)) continue;
    return line;
  }
  return undefined;
}

interface Entry {
  readonly child: ChildProcess;
  readonly handle: DemoChild;
  readonly stopFirst: boolean;
  ready: boolean;
}

/** SIGTERM by pid, SIGKILL after `graceMs`; resolves once it has exited. */
async function stopChild({ child, handle }: Entry, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(handle.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, graceMs);
  await handle.exited;
  clearTimeout(timer);
}

export function createDemoProcesses(options: { logDir: string }): DemoProcesses {
  const children = new Map<number, Entry>();
  const listeners: ((child: DemoChild, code: number | string) => void)[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;

  function start(spec: ChildSpec, signal?: AbortSignal): DemoChild {
    const logFile = join(options.logDir, `${spec.name}.log`);
    const fd = openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', fd, fd, 'ipc'],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown'));
      child.once('error', () => resolve('spawn failed'));
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new DemoError('interrupted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('message', (message: unknown) => {
        if ((message as { ready?: unknown } | null)?.ready === true) {
          signal?.removeEventListener('abort', onAbort);
          const entry = children.get(child.pid!);
          if (entry) entry.ready = true;
          resolve();
        }
      });
      void exited.then((code) => {
        signal?.removeEventListener('abort', onAbort);
        const problem = lastProblem(logFile);
        reject(new DemoError(`${spec.name} exited (${code}) before it was ready${problem ? `: ${problem}` : ''} (log: ${logFile})`));
      });
    });
    // Only failures the caller awaits are reported; this keeps an unawaited one from crashing us.
    ready.catch(() => {});
    const handle: DemoChild = { name: spec.name, pid: child.pid ?? -1, logFile, ready, exited };
    if (child.pid !== undefined) {
      children.set(child.pid, { child, handle, stopFirst: spec.stopFirst === true, ready: false });
      void exited.then((code) => {
        const entry = children.get(child.pid!);
        children.delete(child.pid!);
        if (entry?.ready && !stopping) for (const l of listeners) l(handle, code);
      });
    }
    return handle;
  }

  return {
    logDir: options.logDir,
    start,
    async run(spec, signal) {
      if (signal?.aborted) throw new DemoError('interrupted');
      const child = start(spec, signal);
      // On abort the child is left to stopAll(), which the shutdown that follows runs.
      const interrupted = new Promise<'interrupted'>((resolve) => signal?.addEventListener('abort', () => resolve('interrupted'), { once: true }));
      const code = await Promise.race([child.exited, interrupted]);
      if (code === 'interrupted') throw new DemoError('interrupted');
      if (code !== 0) {
        const problem = lastProblem(child.logFile);
        throw new DemoError(problem ?? `${spec.name} failed (${code}); see ${child.logFile}`);
      }
      return readFileSync(child.logFile, 'utf8');
    },
    onUnexpectedExit(listener) {
      listeners.push(listener);
    },
    stopAll(graceMs = 6_000) {
      stopping = true;
      const all = [...children.values()];
      const stopEach = (entries: Entry[]) => Promise.all(entries.map((e) => stopChild(e, graceMs)));
      stopped ??= stopEach(all.filter((e) => e.stopFirst))
        .then(() => stopEach(all.filter((e) => !e.stopFirst)))
        .then(() => undefined);
      return stopped;
    },
  };
}
