// OTLP requests the SDK never sends, against a real `tracelight start`: every AnyValue shape,
// compression, size limits, garbage, partial success, unknown JSON fields, empty requests.
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { logBatchFromRecords, spanBatchFromSpans } from '@tracelight/core';
import type { OtlpFormat } from '@tracelight/otlp';
import { encodeLogsRequest, encodeTraceRequest } from '@tracelight/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bySeq, bySpanId, fetchLogs, fetchTrace } from './helpers/debug-api.js';
import { randomHex, richLogs, richSpans } from './helpers/fixtures.js';
import { closeGrpcClients, grpcExport } from './helpers/grpc.js';
import { rawSpan, rawTraceRequest, readExportResponse, readStatus } from './helpers/proto.js';
import type { RunningTracelight } from './helpers/tracelight.js';
import { startTracelight, stopAllTracelights } from './helpers/tracelight.js';

const LIMIT = 1024 * 1024;
let tl: RunningTracelight;

beforeAll(async () => {
  tl = await startTracelight(['--max-body-bytes', '1MiB']);
});

afterAll(async () => {
  closeGrpcClients();
  await stopAllTracelights();
});

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${tl.otlpHttpUrl}${path}`, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

function postOtlp(signal: 'traces' | 'logs', body: Uint8Array | string, format: OtlpFormat, extra: Record<string, string> = {}) {
  return post(`/v1/${signal}`, body, { 'content-type': CONTENT_TYPE[format], ...extra });
}

/** The status and message of a google.rpc.Status answer in either encoding. */
function statusOf(body: Uint8Array, format: OtlpFormat): { code: number; message: string } {
  return format === 'json' ? (JSON.parse(new TextDecoder().decode(body)) as { code: number; message: string }) : readStatus(body);
}

/** partial_success of an export response in either encoding. */
function partialOf(body: Uint8Array, format: OtlpFormat, signal: 'traces' | 'logs'): { rejected: number; errorMessage: string } {
  if (format === 'protobuf') return readExportResponse(body);
  const json = JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, string | number> };
  const p = json.partialSuccess ?? {};
  return { rejected: Number(p[signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords'] ?? 0), errorMessage: String(p.errorMessage ?? '') };
}

async function expectAlive() {
  const res = await postOtlp('traces', encodeTraceRequest(spanBatchFromSpans(richSpans('alive')), 'protobuf'), 'protobuf');
  expect(res.status).toBe(200);
  expect(tl.alive()).toBe(true);
}

describe('full-fidelity round trip of hand-encoded requests', () => {
  const paths: Record<string, (signal: 'traces' | 'logs', body: (f: OtlpFormat) => Uint8Array) => Promise<void>> = {
    'http/protobuf': async (signal, body) => {
      const res = await postOtlp(signal, body('protobuf'), 'protobuf');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      expect(readExportResponse(res.body).rejected).toBe(0);
    },
    'http/json': async (signal, body) => {
      const res = await postOtlp(signal, body('json'), 'json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(partialOf(res.body, 'json', signal).rejected).toBe(0);
    },
    'http/protobuf+gzip': async (signal, body) => {
      const res = await postOtlp(signal, gzipSync(body('protobuf')), 'protobuf', { 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
    },
    'http/json+gzip': async (signal, body) => {
      const res = await postOtlp(signal, gzipSync(body('json')), 'json', { 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
    },
    'grpc': async (signal, body) => {
      const out = await grpcExport(tl.grpcPort, signal, body('protobuf'));
      expect(out).toMatchObject({ ok: true });
    },
    'grpc+gzip': async (signal, body) => {
      const out = await grpcExport(tl.grpcPort, signal, body('protobuf'), { gzip: true });
      expect(out).toMatchObject({ ok: true });
    },
  };

  for (const [name, send] of Object.entries(paths)) {
    it(`${name}: spans with every field and value shape read back equal`, async () => {
      const spans = richSpans(name);
      await send('traces', (f) => encodeTraceRequest(spanBatchFromSpans(spans), f));
      const stored = await fetchTrace(tl.apiUrl, spans[0].traceId);
      expect(bySpanId(stored)).toEqual(bySpanId(spans));
    });

    it(`${name}: log records with every field and body shape read back equal`, async () => {
      const logs = richLogs(name);
      await send('logs', (f) => encodeLogsRequest(logBatchFromRecords(logs), f));
      const stored = await fetchLogs(tl.apiUrl, { service: `rich-logs-${name}` });
      expect(bySeq(stored)).toEqual(logs);
    });
  }
});

describe('request size limits', () => {
  it('a body declared larger than the limit gets 413 without being read', async () => {
    const res = await postOtlp('traces', new Uint8Array(LIMIT + 1), 'protobuf');
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(statusOf(res.body, 'protobuf')).toMatchObject({ code: 8 });
    await expectAlive();
  });

  it('a streamed (chunked) body is cut off at the limit: 413 and the server stops reading', async () => {
    const total = 256 * 1024 * 1024;
    const socket = connect(tl.httpPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', () => {});
    socket.write(`POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    let written = 0;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    while (written < total && !isClosed) {
      if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
      written += 0x10000;
    }
    await closed;
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response.toLowerCase()).toContain('connection: close');
    // The client could push at most the limit plus what the socket buffers hold before the server closed.
    expect(written).toBeLessThan(total / 4);
    await expectAlive();
  });

  it('a gzip bomb gets 413 once its inflated size passes the limit', async () => {
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    const bomb = Buffer.concat(Array.from({ length: 32 }, () => member)); // 512 MiB inflated, ~0.5 MiB sent
    expect(bomb.length).toBeLessThan(LIMIT);
    for (const format of ['json', 'protobuf'] as const) {
      const res = await postOtlp('traces', bomb, format, { 'content-encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe(CONTENT_TYPE[format]);
      const status = statusOf(res.body, format);
      expect(status.code).toBe(8);
      expect(status.message).toContain('decompressed body is larger than the limit of 1048576 bytes');
    }
    await expectAlive();
  });

  it('gRPC: a message over the limit gets RESOURCE_EXHAUSTED, plain or gzip-compressed', async () => {
    const spans = Array.from({ length: 40 }, () => richSpans('big')).flat();
    const body = encodeTraceRequest(spanBatchFromSpans(spans), 'protobuf');
    // Pad with an unknown field (number 99) to get past 1 MiB: still a valid request.
    const pad = new Uint8Array(LIMIT + 10);
    pad.set([0x9a, 0x06, 0x80, 0x80, 0x40]); // field 99, wire type 2, length 2^20
    const big = Buffer.concat([body, pad.subarray(0, 5 + 2 ** 20)]);
    expect(big.length).toBeGreaterThan(LIMIT);
    const plain = await grpcExport(tl.grpcPort, 'traces', big);
    expect(plain).toMatchObject({ ok: false, code: GrpcStatus.RESOURCE_EXHAUSTED });
    const gzipped = await grpcExport(tl.grpcPort, 'traces', big, { gzip: true });
    expect(gzipped).toMatchObject({ ok: false, code: GrpcStatus.RESOURCE_EXHAUSTED });
    // The same request below the limit (without the padding) is fine.
    expect(await grpcExport(tl.grpcPort, 'traces', body, { gzip: true })).toMatchObject({ ok: true });
    await expectAlive();
  });
});

describe('bad input is answered, never fatal', () => {
  it('garbage protobuf and garbage JSON get 400 with a google.rpc.Status body', async () => {
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34, 0x0a, 0xff]);
    const cases: [OtlpFormat, 'traces' | 'logs', Uint8Array | string][] = [
      ['protobuf', 'traces', garbage],
      ['protobuf', 'logs', garbage],
      ['json', 'traces', '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": '],
      ['json', 'logs', 'not json at all'],
      ['json', 'traces', '{"resourceSpans": "should be an array"}'],
    ];
    for (const [format, signal, body] of cases) {
      const res = await postOtlp(signal, body, format);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe(CONTENT_TYPE[format]);
      const status = statusOf(res.body, format);
      expect(status.code).toBe(3);
      expect(status.message.length).toBeGreaterThan(0);
    }
    const bad = await postOtlp('traces', Buffer.from('not gzip'), 'json', { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    await expectAlive();
  });

  it('gRPC: garbage gets INVALID_ARGUMENT', async () => {
    const out = await grpcExport(tl.grpcPort, 'traces', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12]));
    expect(out).toMatchObject({ ok: false, code: GrpcStatus.INVALID_ARGUMENT });
    await expectAlive();
  });

  it('wrong path, method, content type or encoding: 404 / 405 / 415 with a body', async () => {
    const spans = encodeTraceRequest(spanBatchFromSpans(richSpans('x')), 'protobuf');
    const notFound = await post('/v1/metrics', spans, { 'content-type': CONTENT_TYPE.protobuf });
    expect(notFound.status).toBe(404);
    expect(statusOf(notFound.body, 'protobuf').code).toBe(5);
    const get = await fetch(`${tl.otlpHttpUrl}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(((await get.json()) as { code: number }).code).toBe(12);
    const text = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(statusOf(text.body, 'json').message).toContain('text/plain');
    const brotli = await postOtlp('traces', spans, 'protobuf', { 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
    await expectAlive();
  });
});

describe('partial success, unknown fields, empty requests', () => {
  const validIds = () => [Buffer.from(randomHex(16), 'hex'), Buffer.from(randomHex(8), 'hex')] as const;

  it('protobuf (HTTP and gRPC): spans with wrong-length ids are rejected and counted exactly, the rest stored', async () => {
    for (const via of ['http', 'grpc'] as const) {
      const [traceId] = validIds();
      const good = [0, 1, 2].map((i) => rawSpan(traceId, Buffer.from(randomHex(8), 'hex'), `good-${i}`));
      const bad = [
        rawSpan(Buffer.from(randomHex(15), 'hex'), Buffer.from(randomHex(8), 'hex'), 'short trace id'),
        rawSpan(traceId, Buffer.from(randomHex(4), 'hex'), 'short span id'),
        rawSpan(Buffer.from(randomHex(17), 'hex'), Buffer.from(randomHex(8), 'hex'), 'long trace id'),
      ];
      const body = rawTraceRequest(`partial-${via}`, [good[0], bad[0], good[1], bad[1], bad[2], good[2]]);
      const response =
        via === 'http'
          ? await postOtlp('traces', body, 'protobuf').then((r) => {
              expect(r.status).toBe(200);
              return r.body;
            })
          : await grpcExport(tl.grpcPort, 'traces', body).then((r) => {
              expect(r.ok).toBe(true);
              return r.ok ? r.response : new Uint8Array();
            });
      const partial = readExportResponse(response);
      expect(partial.rejected).toBe(3);
      expect(partial.errorMessage.length).toBeGreaterThan(0);
      const stored = await fetchTrace(tl.apiUrl, traceId.toString('hex'));
      expect(stored.map((s) => s.name).sort()).toEqual(['good-0', 'good-1', 'good-2']);
    }
  });

  it('JSON: wrong-length ids are rejected exactly; unknown fields anywhere are ignored', async () => {
    const traceId = randomHex(16);
    const span = (spanId: string, name: string, extra: object = {}) => ({
      traceId,
      spanId,
      name,
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000001000000000',
      ...extra,
    });
    const body = {
      unknownTopLevel: { nested: [1, 2, { x: null }] },
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-partial' } }], someFutureField: 'x' },
          futureResourceSpansField: 42,
          scopeSpans: [
            {
              scope: { name: 's', unknownScopeField: true },
              spans: [
                span(randomHex(8), 'good-a', { futureSpanField: { a: 1 }, attributes: [{ key: 'k', value: { stringValue: 'v' }, extraKvField: 0 }] }),
                span(randomHex(7), 'bad: 7-byte span id'),
                { ...span(randomHex(8), 'bad: 15-byte trace id'), traceId: randomHex(15) },
                span(randomHex(8), 'good-b'),
              ],
            },
          ],
        },
      ],
    };
    const res = await postOtlp('traces', JSON.stringify(body), 'json');
    expect(res.status).toBe(200);
    expect(partialOf(res.body, 'json', 'traces').rejected).toBe(2);
    const stored = await fetchTrace(tl.apiUrl, traceId);
    expect(stored.map((s) => s.name).sort()).toEqual(['good-a', 'good-b']);
    expect(stored.find((s) => s.name === 'good-a')!.attributes).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('empty requests get 200 with an empty response in their own encoding', async () => {
    const cases: [OtlpFormat, 'traces' | 'logs', Uint8Array | string][] = [
      ['protobuf', 'traces', new Uint8Array()],
      ['protobuf', 'logs', new Uint8Array()],
      ['json', 'traces', '{}'],
      ['json', 'logs', '{"resourceLogs": []}'],
      ['json', 'traces', '{"resourceSpans": [{"scopeSpans": [{"spans": []}]}]}'],
    ];
    for (const [format, signal, body] of cases) {
      const res = await postOtlp(signal, body, format);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(CONTENT_TYPE[format]);
      expect(partialOf(res.body, format, signal).rejected).toBe(0);
    }
    expect(await grpcExport(tl.grpcPort, 'traces', new Uint8Array())).toMatchObject({ ok: true });
    expect(await grpcExport(tl.grpcPort, 'logs', new Uint8Array())).toMatchObject({ ok: true });
  });
});
