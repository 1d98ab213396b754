// `tracelight` as people run it: help, flag errors, a port in use, clean shutdown on signals.
import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { connect } from 'node:net';
import { spanBatchFromSpans } from '@tracelight/core';
import { encodeTraceRequest } from '@tracelight/otlp';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchTrace } from './helpers/debug-api.js';
import { richSpans } from './helpers/fixtures.js';
import { runTracelight, startTracelight, stopAllTracelights } from './helpers/tracelight.js';

afterAll(async () => {
  await stopAllTracelights();
});

async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

function noStackTrace(text: string) {
  expect(text).not.toMatch(/^\s+at /m);
}

describe('tracelight command line', () => {
  it('--help lists the commands; start --help lists every flag', async () => {
    const top = await runTracelight(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('start');
    const start = await runTracelight(['start', '--help']);
    expect(start.code).toBe(0);
    for (const flag of ['--otlp-http-port', '--otlp-grpc-port', '--host', '--max-body-bytes', '--http-port', '--memory', '--store', '--data-dir']) {
      expect(start.stdout).toContain(flag);
    }
  });

  it('unknown flags, bad values and unknown commands exit 2 with a clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['start', '--bogus'], /^tracelight start: unknown option '--bogus'$/m],
      [['start', '--otlp-http-port', 'http'], /--otlp-http-port must be a port number/],
      [['start', '--otlp-grpc-port', '70000'], /--otlp-grpc-port must be a port number/],
      [['start', '--max-body-bytes', '-5'], /--max-body-bytes/],
      [['start', '--store', 'nosuch'], /--store must be duckdb, memory, or clickhouse:\/\//],
      [['start', 'extra'], /unexpected argument 'extra'/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = await runTracelight(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      noStackTrace(r.stderr);
    }
  });

  it('a port in use: one line naming the port and the flag, exit 1', async () => {
    const { port, server } = await occupyPort();
    try {
      for (const [flag, component] of [
        ['--otlp-http-port', 'otlp-http'],
        ['--otlp-grpc-port', 'otlp-grpc'],
        ['--http-port', 'http-api'],
      ]) {
        const others = ['--otlp-http-port', '--otlp-grpc-port', '--http-port'].filter((f) => f !== flag).flatMap((f) => [f, '0']);
        const r = await runTracelight(['start', ...others, flag, String(port)]);
        expect(r.code).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toBe(`tracelight: port ${port} (${component}) on 127.0.0.1 is already in use; choose another with ${flag}`);
      }
    } finally {
      server.close();
    }
  });

  it('prints where it listens, and SIGINT stops it with exit 0', async () => {
    const tl = await startTracelight(['--memory']);
    expect(tl.stdout()).toContain(`OTLP/gRPC   127.0.0.1:${tl.grpcPort}`);
    expect(tl.stdout()).toContain(`OTLP/HTTP   http://127.0.0.1:${tl.httpPort}/v1/traces`);
    expect(tl.stdout()).toMatch(new RegExp(`UI \\+ API +http://127\\.0\\.0\\.1:${tl.apiPort}/`));
    expect(await tl.stop('SIGINT')).toBe(0);
    expect(tl.stdout()).toContain('tracelight: stopped');
    // Every port is released.
    for (const port of [tl.grpcPort, tl.httpPort, tl.apiPort]) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      expect(refused, `port ${port}`).toBe(true);
    }
  });

  it('SIGTERM lets a request in flight finish (200 = committed to the store), then exits 0', async () => {
    const tl = await startTracelight();
    const spans = richSpans('in-flight');
    const body = Buffer.from(encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf'));
    const socket = connect(tl.httpPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-protobuf\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, 100));
    // Let the server see the request before it is told to stop.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exitCode = tl.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tl.alive()).toBe(true); // waiting for the in-flight request
    // No half-close (socket.end) before the answer: Node's HTTP server aborts a request whose client
    // half-closed, and a real client waits for the answer. The server closes after answering.
    socket.write(body.subarray(100));
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(await exitCode).toBe(0);
  });

  it('a stored trace is readable through the query API; unknown and malformed ids are 404 / 400', async () => {
    const tl = await startTracelight();
    const spans = richSpans('query-api');
    const res = await fetch(`${tl.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf'),
    });
    expect(res.status).toBe(200);
    expect((await fetchTrace(tl.apiUrl, spans[0].traceId)).length).toBe(3);
    expect((await fetch(`${tl.apiUrl}/api/traces/${'ab'.repeat(16)}`)).status).toBe(404);
    expect((await fetch(`${tl.apiUrl}/api/traces/xyz`)).status).toBe(400);
    expect((await fetch(`${tl.apiUrl}/api/nothing`)).status).toBe(404);
    expect(await tl.stop()).toBe(0);
  });
});
