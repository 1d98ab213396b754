import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoProcesses } from './demo-processes.js';
import { allReady, createDemoProcesses, lastProblem } from './demo-processes.js';

// Real child processes (small inline Node programs), as the demo's services are.
const dir = mkdtempSync(join(tmpdir(), 'tl-demo-processes-'));
const created: DemoProcesses[] = [];

function processes(): DemoProcesses {
  const p = createDemoProcesses({ logDir: dir });
  created.push(p);
  return p;
}

const node = (name: string, code: string) => ({ name, args: ['-e', code], cwd: dir, env: {} });

// A service: logs its SIGTERM to stdout (its log) and ends by itself; says it is ready only once
// its handlers are in place (the parent may signal it the moment it hears "ready").
const SERVICE = `
  process.once('disconnect', () => {});
  process.once('SIGTERM', () => { console.log('SIGTERM at ' + Date.now()); process.disconnect(); });
  setInterval(() => {}, 1000).unref();
  process.send({ ready: true });
`;

afterAll(async () => {
  await Promise.all(created.map((p) => p.stopAll(1_000)));
  rmSync(dir, { recursive: true, force: true });
});

describe('demo processes', () => {
  it('a child is ready when it says so over IPC, and stopAll stops the stopFirst ones first', async () => {
    const p = processes();
    const load = p.start({ ...node('load', SERVICE), stopFirst: true });
    const service = p.start(node('service', SERVICE));
    await allReady([load, service], 10_000);
    await p.stopAll();
    expect(await load.exited).toBe(0);
    expect(await service.exited).toBe(0);
    const at = (file: string) => Number(/SIGTERM at (\d+)/.exec(readFileSync(file, 'utf8'))?.[1]);
    expect(at(load.logFile)).toBeLessThanOrEqual(at(service.logFile));
  });

  it('a child that exits before it is ready fails with its error line and its log', async () => {
    const p = processes();
    const child = p.start(node('broken', `console.log('starting'); throw new Error('cannot reach the broker');`));
    await expect(child.ready).rejects.toThrow(/^broken exited \(1\) before it was ready: Error: cannot reach the broker \(log: .*broken\.log\)$/);
  });

  it('allReady names the children that did not get ready in time', async () => {
    const p = processes();
    const quick = p.start(node('quick', SERVICE));
    const slow = p.start(node('slow', `setInterval(() => {}, 1000);`));
    await expect(allReady([quick, slow], 1_500)).rejects.toThrow(/^not ready after 2 s: slow \(log: .*slow\.log\)$/);
    await p.stopAll(1_000);
  });

  it('a child that ignores SIGTERM is killed after the grace period', async () => {
    const p = processes();
    const stubborn = p.start(node('stubborn', `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); setTimeout(() => process.send({ ready: true }), 100);`));
    await stubborn.ready;
    const started = Date.now();
    await p.stopAll(500);
    expect(await stubborn.exited).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('run() resolves what a program printed, or rejects with its last line', async () => {
    const p = processes();
    expect(await p.run(node('ok', `console.log('{"a":1}')`))).toBe('{"a":1}\n');
    await expect(p.run(node('fails', `console.error('PostgreSQL is not answering at 127.0.0.1:1 (ECONNREFUSED)'); process.exit(1)`))).rejects.toThrow(
      /^PostgreSQL is not answering at 127\.0\.0\.1:1 \(ECONNREFUSED\)$/,
    );
  });

  it('lastProblem prefers an error record of pino, skips stack frames, and says nothing for a missing log', () => {
    const file = join(dir, 'pino.log');
    writeFileSync(
      file,
      [
        '{"level":30,"msg":"ready"}',
        '{"level":50,"msg":"cannot listen","err":{"message":"listen EADDRINUSE: address already in use 127.0.0.1:8000"}}',
        '    at Server.setupListenHandle (node:net:1939:21)',
        'Node.js v24.21.0',
      ].join('\n'),
    );
    expect(lastProblem(file)).toBe('cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:8000');
    expect(lastProblem(join(dir, 'nothing.log'))).toBeUndefined();
  });
});
