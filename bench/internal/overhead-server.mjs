// The service under load for bench/overhead.ts (see overhead-app.mjs). Instrumentation, if any,
// comes from the node flags the benchmark starts it with. Prints its port when listening.
import { createApp } from './overhead-app.mjs';

const app = createApp(process.env.UPSTREAM_URL);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${app.server.address().port}\n`);
// Profiling runs (node --cpu-prof) need a normal exit for the profile to be written.
if (process.env.BENCH_EXIT_ON_SIGTERM) process.once('SIGTERM', () => process.exit(0));
