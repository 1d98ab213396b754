// The Fastify application of bench/overhead.ts, shared by the server (real sockets) and the
// in-process variant (overhead-inject-worker.mjs): a "hello world" route and a route that makes
// one outgoing HTTP call (fetch) to `upstream`.
import Fastify from 'fastify';

export function createApp(upstream) {
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  app.get('/outgoing/:id', async (req) => {
    const res = await fetch(`${upstream}/item/${req.params.id}`);
    return { upstream: await res.text() };
  });
  return app;
}
