import { execFileSync, spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../test-servers.js';
import type { HttpSenderOptions } from './http-sender.js';
import { createWorkerHttpSender } from './worker-sender.js';

// The export thread against a real HTTP receiver: what it sends, that the application's thread
// makes no HTTP request for it, the fallback, and that an idle thread keeps no process alive.
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../../..');

const bodies: Buffer[] = [];
let receiver: Server;
let url = '';
let status = 200;
let answerAfterMs = 0;

beforeAll(async () => {
  receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.statusCode = status;
      setTimeout(() => res.end(), answerAfterMs);
    });
  });
  url = `${await listen(receiver)}/v1/traces`;
});

afterAll(async () => {
  await close(receiver);
});

afterEach(() => {
  bodies.length = 0;
  status = 200;
  answerAfterMs = 0;
});

const options = (): HttpSenderOptions => ({ url, headers: {}, timeoutMillis: 5000, compression: 'none' });

/** Counts the HTTP client requests this thread starts while `fn` runs. */
async function clientRequestsDuring(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const onStart = () => n++;
  diagnostics.subscribe('http.client.request.start', onStart);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe('http.client.request.start', onStart);
  }
  return n;
}

describe('export thread', () => {
  it('sends the bytes it is given from its own thread, none from the application thread', async () => {
    const sender = createWorkerHttpSender(options());
    try {
      const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      let result: Awaited<ReturnType<typeof sender.send>> | undefined;
      const onThisThread = await clientRequestsDuring(async () => {
        result = await sender.send(body);
        await sender.send(Buffer.from('second'));
      });
      expect(result).toEqual({ ok: true });
      expect(sender.threaded).toBe(true);
      expect(onThisThread).toBe(0);
      expect(bodies.map((b) => b.length)).toEqual([70_000, 6]);
      expect(bodies[0].equals(body)).toBe(true);
    } finally {
      sender.shutdown();
    }
  });

  it('reports what the collector refused, as the in-thread sender does', async () => {
    status = 400;
    const sender = createWorkerHttpSender(options());
    try {
      const result = await sender.send(Buffer.from('x'));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.retryable).toBe(false);
        expect(result.error.message).toContain('HTTP 400');
      }
    } finally {
      sender.shutdown();
    }
  });

  it("sends on the application's thread when the thread cannot start", async () => {
    // workerData must be cloneable: a function in the options makes the Worker constructor throw.
    const broken = { ...options(), headers: { 'x-bad': (() => 'no') as unknown as string } };
    const sender = createWorkerHttpSender(broken);
    try {
      const onThisThread = await clientRequestsDuring(() => sender.send(Buffer.from('fallback')));
      expect(sender.threaded).toBe(false);
      expect(onThisThread).toBe(1);
      expect(bodies.map(String)).toEqual(['fallback']);
    } finally {
      sender.shutdown();
    }
  });

  it("sends again on the application's thread what a thread that died had, and everything after", async () => {
    // A thread that exits on the first body it gets, before sending anything.
    const dying = new URL("data:text/javascript,import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3));");
    const sender = createWorkerHttpSender(options(), { workerUrl: dying });
    try {
      const first = await sender.send(Buffer.from('one'));
      expect(first).toEqual({ ok: true });
      expect(sender.threaded).toBe(false);
      expect(await sender.send(Buffer.from('two'))).toEqual({ ok: true });
      expect(bodies.map(String)).toEqual(['one', 'two']);
    } finally {
      sender.shutdown();
    }
  });

  it('keeps no process alive while idle, and a send under way is finished first', async () => {
    // The second send starts on an idle (unreferenced) thread and is answered slowly: only the
    // reference taken for the send keeps the process up until the answer.
    answerAfterMs = 300;
    // The built package, as users run it (the sources cannot be imported by a plain node child).
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/instrument')], { stdio: 'inherit' });
    const module = join(root, 'packages/instrument/dist/internal/otlp/worker-sender.js');
    const script = `
      const { createWorkerHttpSender } = await import(${JSON.stringify(module)});
      const sender = createWorkerHttpSender({ url: ${JSON.stringify(url)}, headers: {}, timeoutMillis: 5000, compression: 'none' });
      const first = await sender.send(Buffer.from('from-child'));
      await new Promise((r) => setTimeout(r, 200));
      const second = await sender.send(Buffer.from('again'));
      console.log(JSON.stringify([first, second]));
      // Nothing else to do: the idle thread must not hold the process.
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(out.trim()).toBe('[{"ok":true},{"ok":true}]');
    expect(bodies.map(String)).toEqual(['from-child', 'again']);
  }, 60_000);
});
