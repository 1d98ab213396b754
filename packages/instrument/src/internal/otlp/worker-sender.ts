import { context, diag } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Worker } from 'node:worker_threads';
import type { HttpSender, HttpSenderOptions, SendMessage, SendResult, SentMessage } from './http-sender.js';
import { createHttpSender, SENDER_WORKER } from './http-sender.js';

/**
 * The kit's default sender: the export's HTTP requests are made on a thread of their own (the
 * "export thread", a worker running http-sender's module), not on the application's.
 *
 * Why: the application's thread shares Node's `http` code (ClientRequest, IncomingMessage,
 * OutgoingMessage, the parser callbacks) with the server it runs. An export request every few
 * seconds shows that code new object shapes, and V8 throws its optimised versions away and
 * compiles them again, over and over: at 1% sampling on a "hello world" Fastify route the export
 * cost 2.4 µs per request (8%) while it sent 300 spans a second (bench/overhead.ts, paired A/B).
 * A worker has its own V8 isolate, so the server's code never sees the exporter's objects; gzip
 * moves there too. The application's thread only encodes spans and posts the bytes.
 *
 * The worker is unreferenced while idle (it never keeps a process alive) and referenced while a
 * send is under way (a flush at shutdown is waited for). It runs without the application's
 * `execArgv` (no `--import` of the kit, nothing instrumented in it). If it cannot start or dies,
 * the bodies it had are sent again, and every later one is sent, on the application's thread
 * with tracing suppressed, as before.
 */

interface Pending {
  body: Buffer;
  resolve: (result: SendResult) => void;
}

// From the sources (tests) the worker runs the .ts file under Node's type stripping.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './http-sender.ts' : './http-sender.js', import.meta.url);

/** The same sender on the application's thread, its requests untraced (`suppressTracing`). */
export function createInThreadHttpSender(options: HttpSenderOptions): HttpSender {
  return createHttpSender({ ...options, untraced: (request) => context.with(suppressTracing(context.active()), request) });
}

function fromWire(result: SentMessage['result']): SendResult {
  return result.ok ? result : { ok: false, retryable: result.retryable, error: new Error(result.message) };
}

/**
 * `workerUrl` replaces the export thread's script (tests: a thread that dies). `threaded` is
 * false once the sender has fallen back to the application's thread.
 */
export function createWorkerHttpSender(
  options: HttpSenderOptions,
  internal: { workerUrl?: URL } = {},
): HttpSender & { readonly threaded: boolean } {
  let worker: Worker | undefined;
  let broken = false;
  let closed = false;
  let inThread: HttpSender | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const fallback = (): HttpSender => (inThread ??= createInThreadHttpSender(options));

  function fail(reason: string): void {
    if (broken) return;
    broken = true;
    const w = worker;
    worker = undefined;
    if (w) void w.terminate();
    if (!closed) diag.warn(`tracelight: the export thread stopped (${reason}); exporting on the application's thread`);
    const left = [...pending.values()];
    pending.clear();
    for (const p of left) void fallback().send(p.body).then(p.resolve);
  }

  function start(): Worker | undefined {
    if (worker || broken) return worker;
    try {
      const w = new Worker(internal.workerUrl ?? WORKER_URL, {
        name: 'tracelight-export',
        workerData: { [SENDER_WORKER]: options },
        execArgv: [],
        stdout: false,
        stderr: false,
      });
      w.unref();
      w.on('message', (message: SentMessage) => {
        const p = pending.get(message.id);
        if (p === undefined) return;
        pending.delete(message.id);
        if (pending.size === 0) w.unref();
        p.resolve(fromWire(message.result));
      });
      w.on('error', (err) => fail(err.message));
      w.on('exit', (code) => {
        if (!closed) fail(`exit code ${code}`);
      });
      worker = w;
    } catch (err) {
      broken = true;
      diag.warn(`tracelight: no export thread (${err instanceof Error ? err.message : String(err)}); exporting on the application's thread`);
    }
    return worker;
  }

  return {
    get threaded() {
      return !broken;
    },
    send(body) {
      const w = closed ? undefined : start();
      if (w === undefined) return fallback().send(body);
      return new Promise<SendResult>((resolve) => {
        const id = nextId++;
        pending.set(id, { body, resolve });
        if (pending.size === 1) w.ref();
        // Copied, not transferred: the body is kept for a resend should the thread die.
        w.postMessage({ id, body } satisfies SendMessage);
      });
    },
    shutdown() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (w) void w.terminate();
      for (const p of pending.values()) p.resolve({ ok: false, retryable: false, error: new Error('exporter shut down') });
      pending.clear();
      inThread?.shutdown();
    },
  };
}
