import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type * as Fastify from 'fastify';
import type Express from 'express';
import type * as HonoModule from 'hono';
import type * as HonoNode from '@hono/node-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { close, listen, untracedFetch } from '../internal/test-servers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { tracelight } from './hono.js';

// Real Fastify, Express and Hono (on @hono/node-server) apps on loopback ports: each request
// must give exactly one span, a SERVER span named with the route template.
const require = createRequire(import.meta.url);
let t: TestTracing;
const servers: Server[] = [];
const urls: Record<string, string> = {};

beforeAll(async () => {
  t = startTestTracing({ serviceName: 'frameworks' });

  const fastify = (require('fastify') as typeof Fastify).default({ logger: false });
  fastify.addHook('onRequest', async () => {});
  fastify.get('/bands/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  fastify.get('/boom', async () => {
    throw new Error('kaput');
  });
  fastify.register(
    async (app) => {
      app.post('/albums/:albumId/tracks', async () => ({ ok: true }));
    },
    { prefix: '/v1' },
  );
  await fastify.ready();
  servers.push(fastify.server);
  urls.fastify = await listen(fastify.server);

  const express = require('express') as typeof Express;
  const app = express();
  app.use(express.json());
  app.use((_req, _res, next) => next());
  const router = express.Router();
  router.get('/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use('/bands', router);
  app.get('/boom', () => {
    throw new Error('kaput');
  });
  servers.push(app.listen(0, '127.0.0.1'));
  await new Promise((r) => servers.at(-1)!.once('listening', r));
  urls.express = `http://127.0.0.1:${(servers.at(-1)!.address() as { port: number }).port}`;

  const { Hono } = require('hono') as typeof HonoModule;
  const { createAdaptorServer } = require('@hono/node-server') as typeof HonoNode;
  const hono = new Hono();
  hono.use(tracelight());
  hono.use(async (_c, next) => next());
  hono.get('/bands/:id', (c) => c.json({ id: c.req.param('id') }));
  hono.get('/boom', () => {
    throw new Error('kaput');
  });
  const honoServer = createAdaptorServer({ fetch: hono.fetch }) as Server;
  servers.push(honoServer);
  urls.hono = await listen(honoServer);
});

afterAll(async () => {
  for (const s of servers) await close(s);
  await t.shutdown();
});

beforeEach(() => t.reset());

async function onlySpanFor(url: string, init?: RequestInit): Promise<{ span: ReadableSpan; res: Response }> {
  const res = await untracedFetch(url, init);
  await res.text();
  const spans = await t.waitForSpans((s) => s.some((x) => x.kind === SpanKind.SERVER));
  await new Promise((r) => setTimeout(r, 30)); // let stray internal spans, if any, finish
  expect(t.spans().map((s) => `${SpanKind[s.kind]} ${s.name}`)).toEqual([`SERVER ${spans[0].name}`]);
  return { span: t.spans()[0], res };
}

describe.each(['fastify', 'express', 'hono'])('%s', (framework) => {
  it('names the server span with the route template and sets http.route', async () => {
    const { span, res } = await onlySpanFor(`${urls[framework]}/bands/42`);
    expect(res.status).toBe(200);
    expect(span.name).toBe('GET /bands/:id');
    expect(span.attributes['http.route']).toBe('/bands/:id');
    expect(span.attributes['url.path']).toBe('/bands/42');
    expect(span.attributes['http.response.status_code']).toBe(200);
    const sc = span.spanContext();
    expect(res.headers.get('traceresponse')).toBe(`00-${sc.traceId}-${sc.spanId}-03`);
  });

  it('marks a failing handler (500) as an error', async () => {
    const { span, res } = await onlySpanFor(`${urls[framework]}/boom`);
    expect(res.status).toBe(500);
    expect(span.name).toBe('GET /boom');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('leaves an unmatched path unnamed by route (404, not an error)', async () => {
    const { span, res } = await onlySpanFor(`${urls[framework]}/nope/1`);
    expect(res.status).toBe(404);
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('fastify specifics', () => {
  it('uses the full route of prefixed plugins and records handler errors as exceptions', async () => {
    const { span } = await onlySpanFor(`${urls.fastify}/v1/albums/7/tracks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(span.name).toBe('POST /v1/albums/:albumId/tracks');
    t.reset();
    const boom = await onlySpanFor(`${urls.fastify}/boom`);
    expect(boom.span.events.map((e) => e.name)).toContain('exception');
  });
});

describe('hono without the node HTTP instrumentation', () => {
  it('makes the server span itself for app.request(), continuing the caller trace', async () => {
    const { Hono } = require('hono') as typeof HonoModule;
    const app = new Hono();
    app.use(tracelight());
    app.get('/bands/:id', (c) => c.text('x'));
    const res = await app.request('/bands/1', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(res.status).toBe(200);
    const [span] = await t.waitForSpans((s) => s.length > 0);
    expect(span.name).toBe('GET /bands/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(res.headers.get('traceresponse')).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`);
  });
});
