// The service under load for bench/overhead.ts: Fastify with a "hello world" route and a route
// that makes one outgoing HTTP call (fetch) to UPSTREAM_URL. Instrumentation, if any, comes from
// the node flags the benchmark starts it with. Prints its port when listening.
import Fastify from 'fastify';

const upstream = process.env.UPSTREAM_URL;
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/outgoing/:id', async (req) => {
  const res = await fetch(`${upstream}/item/${req.params.id}`);
  return { upstream: await res.text() };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${app.server.address().port}\n`);
// Profiling runs (node --cpu-prof) need a normal exit for the profile to be written.
if (process.env.BENCH_EXIT_ON_SIGTERM) process.once('SIGTERM', () => process.exit(0));
