import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { IncomingHttpHeaders, Server } from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { close, listen } from '../internal/test-servers.js';
import { createParentBasedSampler, createRatioSampler } from '../sampling/samplers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { urlParts } from './undici-client.js';

// Real fetch (Node's bundled undici) against a real node:http server; CLIENT spans from the
// kit's undici channel subscribers, kept by the SDK's in-memory exporter.
let t: TestTracing;
let upstream: Server;
let url = '';
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  // Parent-based with a never-sampling root: a sampled parent makes a recorded span, none does not.
  t = startTestTracing({ serviceName: 'undici-test', sampler: createParentBasedSampler({ root: createRatioSampler(0) }), instrumentations: { http: false } });
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url?.startsWith('/hang')) return; // never answers (for the abort test)
    res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
    res.end('x');
  });
  url = await listen(upstream);
});

afterAll(async () => {
  await close(upstream);
  await t.shutdown();
});

beforeEach(() => {
  t.reset();
  seen.length = 0;
});

const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
  isRemote: true,
});

describe('fetch client spans', () => {
  it('records a sampled request with the HTTP client semantic conventions and injects traceparent', async () => {
    await context.with(sampledParent, async () => {
      const res = await fetch(`${url}/items/7?full=1`, { headers: { 'user-agent': 'kit-test/1' } });
      await res.text();
    });
    const [span] = await t.waitForSpans((s) => s.length > 0);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.name).toBe('GET');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${url}/items/7?full=1`,
      'url.path': '/items/7',
      'url.query': '?full=1',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(url).port),
      'user_agent.original': 'kit-test/1',
      'network.peer.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(seen[0].traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`);
  });

  it('marks 4xx answers as errors', async () => {
    await context.with(sampledParent, async () => (await fetch(`${url}/missing`)).text());
    const [span] = await t.waitForSpans((s) => s.length > 0);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('404');
  });

  it('records a connection failure as an exception', async () => {
    const closed = createServer();
    const deadUrl = await listen(closed);
    await close(closed);
    await context.with(sampledParent, () => fetch(`${deadUrl}/x`).catch(() => undefined));
    const [span] = await t.waitForSpans((s) => s.length > 0);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ECONNREFUSED');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('ends an aborted request without an error status', async () => {
    await context.with(sampledParent, async () => {
      const ac = new AbortController();
      const pending = fetch(`${url}/hang`, { signal: ac.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await pending;
    });
    const [span] = await t.waitForSpans((s) => s.length > 0);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('propagates an unsampled trace without recording a span', async () => {
    await (await fetch(`${url}/plain`)).text();
    await new Promise((r) => setTimeout(r, 30));
    expect(t.spans()).toHaveLength(0);
    expect(seen[0].traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/);
  });

  it('leaves requests made under suppressed tracing alone', async () => {
    await context.with(suppressTracing(sampledParent), async () => (await fetch(`${url}/quiet`)).text());
    await new Promise((r) => setTimeout(r, 30));
    expect(t.spans()).toHaveLength(0);
    expect(seen[0].traceparent).toBeUndefined();
  });
});

describe('object shapes', () => {
  it('leaves sockets and requests of sampled and unsampled calls with the same properties', async () => {
    // Two new origins, so each call opens a connection of its own.
    const servers = [createServer((_req, res) => res.end('y')), createServer((_req, res) => res.end('z'))];
    const [oneUrl, otherUrl] = await Promise.all(servers.map((server) => listen(server)));
    const sockets: object[] = [];
    const requests: object[] = [];
    const onSocket = (m: unknown): void => void sockets.push((m as { socket: object }).socket);
    const onRequest = (m: unknown): void => void requests.push((m as { request: object }).request);
    diagnostics.subscribe('undici:client:connected', onSocket);
    diagnostics.subscribe('undici:request:create', onRequest);
    try {
      await context.with(sampledParent, async () => (await fetch(`${oneUrl}/shape`)).text());
      await (await fetch(`${otherUrl}/shape`)).text();
    } finally {
      diagnostics.unsubscribe('undici:client:connected', onSocket);
      diagnostics.unsubscribe('undici:request:create', onRequest);
      await Promise.all(servers.map((server) => close(server)));
    }
    expect(await t.waitForSpans((s) => s.length > 0)).toHaveLength(1);
    expect(sockets).toHaveLength(2);
    expect(requests).toHaveLength(2);
    // A property only sampled calls add (the cached peer address, the span) gives their objects
    // another hidden class, and undici's and Node's code deoptimises on the mix.
    expect(Reflect.ownKeys(sockets[0])).toEqual(Reflect.ownKeys(sockets[1]));
    expect(Reflect.ownKeys(requests[0])).toEqual(Reflect.ownKeys(requests[1]));
  });
});

describe('urlParts', () => {
  // What the WHATWG parser gives: the reference the shortcut must match.
  function parsed(path: string, origin: string) {
    const u = new URL(path, origin);
    const scheme = u.protocol.replace(':', '');
    return {
      full: u.toString(),
      path: u.pathname,
      query: u.search,
      scheme,
      host: u.hostname,
      port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 80,
    };
  }

  it.each([
    ['http://127.0.0.1:8080', '/items/7?full=1'],
    ['http://127.0.0.1:8080', '/'],
    ['http://127.0.0.1:8080', '/a?'],
    ['http://127.0.0.1:8080', '/a?b?c=/d&e=%41'],
    ['https://api.example.com', '/v1/x;y=1/@me/%zz'],
    ['http://localhost:80', '/default-port'],
    ['https://api.example.com:443', '/default-port'],
    ['http://127.1:3000', '/short-ipv4'],
    ['http://0x7f.0.0.1', '/hex-ipv4'],
    ['http://Example.COM', '/upper'],
    ['http://[::1]:3000', '/ipv6'],
    ['http://a.b', '/x/../y'],
    ['http://a.b', '/x/./y'],
    ['http://a.b', '/.well-known/z'],
    ['http://a.b', '/sp ace'],
    ['http://a.b', "/q?it's"],
    ['http://a.b', '/ü'],
    ['http://a.b', '/back\\slash'],
    ['http://a.b', '/hash#frag'],
    ['http://a.b', '/{braces}|^`'],
    ['http://a.b:65535', '/max-port'],
  ])('%s %s as the URL parser gives it', (origin, path) => {
    expect(urlParts(origin, path)).toEqual(parsed(path, origin));
  });

  it('takes URL objects and reports what does not parse', () => {
    expect(urlParts(new URL('http://a.b:81'), '/x')).toEqual(parsed('/x', 'http://a.b:81'));
    expect(urlParts('http://a.b:99999', '/x')).toBeUndefined();
  });
});
