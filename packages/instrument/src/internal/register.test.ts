import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen, untracedFetch } from './test-servers.js';

// The zero-code path users type first: `node --import @tracelight/instrument/register app`,
// configured only by OTEL_* variables, exporting OTLP/JSON to a real HTTP receiver started here,
// and flushing on SIGTERM. Runs the built package (dist), as users get it.
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: OtlpAttr[];
}
interface ResourceSpans {
  resource: { attributes: OtlpAttr[] };
  scopeSpans: Array<{ spans: OtlpSpan[] }>;
}

const received: ResourceSpans[] = [];
// OTLP/HTTP protobuf bodies are decoded with the protobufjs decoder generated from the OTLP .proto
// files (OpenTelemetry JS 0.57), into the same shape as the JSON ones.
const ExportTraceServiceRequest = (
  createRequire(import.meta.url)('otlp-transformer-057/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): object; toObject(m: object, o: object): { resourceSpans: ResourceSpans[] } } } } } } };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
let receiver: Server;
let receiverUrl = '';
const children: ChildProcess[] = [];

function attr(attrs: OtlpAttr[] | undefined, key: string): string | number | undefined {
  const v = attrs?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
}

beforeAll(async () => {
  // Build the package so `@tracelight/instrument/register` resolves to fresh JavaScript.
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/instrument')], { stdio: 'inherit' });
  receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') {
        const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(Buffer.concat(chunks)), { longs: String });
        received.push(...request.resourceSpans);
      } else if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceSpans: ResourceSpans[] };
        received.push(...body.resourceSpans);
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  receiverUrl = await listen(receiver);
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await close(receiver);
});

async function startApp(file: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', '@tracelight/instrument/register', join(here, 'fixtures', file)], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`app exited early (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function stop(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code));
    child.kill('SIGTERM');
  });
}

function spansOf(service: string): Array<OtlpSpan & { resource: OtlpAttr[] }> {
  return received
    .filter((r) => attr(r.resource.attributes, 'service.name') === service)
    .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, resource: r.resource.attributes }))));
}

describe('node --import @tracelight/instrument/register', () => {
  it('ESM app: Express route span exported over OTLP with the detected resource, flushed on SIGTERM', async () => {
    const { child, url } = await startApp('esm-app.mjs', { OTEL_SERVICE_NAME: 'esm-app', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test' });
    const res = await untracedFetch(`${url}/bands/7`, { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(await res.json()).toEqual({ id: '7' });
    expect(res.headers.get('traceresponse')).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    // The batch processor would wait 5 s; SIGTERM must flush now, then the process must end.
    expect(await stop(child)).toBe('SIGTERM');
    const spans = spansOf('esm-app');
    expect(spans.map((s) => s.name)).toEqual(['GET /bands/:id']);
    const [span] = spans;
    expect(span.kind).toBe(2); // SERVER
    expect(span.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(attr(span.attributes, 'http.route')).toBe('/bands/:id');
    expect(attr(span.resource, 'deployment.environment.name')).toBe('test');
    expect(attr(span.resource, 'process.pid')).toBe(child.pid);
    expect(attr(span.resource, 'host.name')).toBeTypeOf('string');
  });

  it('TRACELIGHT_TRACERESPONSE=false sends no traceresponse; TRACELIGHT_TRACE_ID_HEADER=true sends x-trace-id', async () => {
    const { child, url } = await startApp('esm-app.mjs', { OTEL_SERVICE_NAME: 'no-traceresponse', TRACELIGHT_TRACERESPONSE: 'false', TRACELIGHT_TRACE_ID_HEADER: 'true' });
    const res = await untracedFetch(`${url}/bands/8`, { headers: { traceparent: '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(await res.json()).toEqual({ id: '8' });
    expect(res.headers.get('traceresponse')).toBeNull();
    expect(res.headers.get('x-trace-id')).toBe('1af7651916cd43dd8448eb211c80319c');
    expect(await stop(child)).toBe('SIGTERM');
    expect(spansOf('no-traceresponse').map((s) => `${s.traceId} ${s.name}`)).toEqual(['1af7651916cd43dd8448eb211c80319c GET /bands/:id']);
  });

  it.each([
    ['http/json', 'job-json'],
    ['http/protobuf', 'job-protobuf'],
  ])('a job that ends by itself still exports its spans (%s)', async (protocol, service) => {
    const upstream = createServer((_req, res) => res.end('up'));
    const upstreamUrl = await listen(upstream);
    try {
      const child = spawn(process.execPath, ['--import', '@tracelight/instrument/register', join(here, 'fixtures', 'exiting-job.mjs')], {
        cwd: root,
        env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: service, UPSTREAM_URL: upstreamUrl },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(out).toBe('done\n');
    } finally {
      await close(upstream);
    }
    expect(spansOf(service).map((s) => `${s.kind} ${s.name}`)).toEqual(['3 GET']);
  });

  it('CommonJS app: Fastify route and outgoing fetch in one trace; service name and version from package.json', async () => {
    const upstream = createServer((_req, res) => res.end('up'));
    const upstreamUrl = await listen(upstream);
    try {
      const { child, url } = await startApp('cjs-app.cjs', { UPSTREAM_URL: `${upstreamUrl}/x` });
      const res = await untracedFetch(`${url}/albums/3`);
      expect(await res.json()).toEqual({ id: '3' });
      expect(await stop(child)).toBe('SIGTERM');
    } finally {
      await close(upstream);
    }
    // No OTEL_SERVICE_NAME: the nearest package.json above the script is the kit's own.
    const spans = spansOf('@tracelight/instrument');
    const server = spans.find((s) => s.kind === 2)!;
    const client = spans.find((s) => s.kind === 3)!;
    expect(server.name).toBe('GET /albums/:id');
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.traceId).toBe(server.traceId);
    expect(attr(server.resource, 'service.version')).toBe('0.1.0');
  });
});
