// The server side of bench/ui.ts: an in-memory store holding one generated trace per requested
// size (realistic spans: 10-15 attributes, events, errors; test/fixtures/trace-generator.ts), the
// query handler and packages/ui/dist, on a free port. Prints one JSON line
// {"url", "traces": {"<spans>": "<trace id>"}} when ready, and stops on SIGTERM. Run by bench/ui.ts with query-hooks.mjs (packages from dist).
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { traceIdHex } from '@tracelight/core';
import { createMemoryStore } from '@tracelight/store';
import { createTraceGenerator } from '../../test/fixtures/trace-generator.js';
import { startUiServer } from '../../test/ui/helpers/ui-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,100000' }, dist: { type: 'string', default: join(ROOT, 'packages/ui/dist') } } });
const sizes = values.sizes.split(',').map(Number);

const store = createMemoryStore({ maxSpans: 4_000_000 });
const server = await startUiServer({ distDir: values.dist, store, receiver: false });
const traces: Record<string, string> = {};
const now = BigInt(Date.now()) * 1_000_000n;
for (const [i, n] of sizes.entries()) {
  const gen = createTraceGenerator({ seed: 7 + i, startTimeUnixNano: now - 600_000_000_000n, spansPerTrace: n, errorRate: 0.01 });
  const batch = gen.nextBatch(1);
  await store.writeSpans(batch);
  traces[n] = traceIdHex(batch, 0);
}
process.stdout.write(`${JSON.stringify({ url: server.url, traces })}\n`);
const stop = () => {
  void server.shutdown().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
