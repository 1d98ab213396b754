// Child process for the crash test: writes batches to a DuckDB store forever and prints
// "acked <n>" after each write resolves, until the test kills it with SIGKILL.
import { createTraceGenerator } from '../../../../test/fixtures/index.js';
import { createDuckDBStore } from '../duckdb-store.js';

const [dataDir, startArg] = process.argv.slice(2);
const store = createDuckDBStore({ dataDir, maxAgeMs: 0 });
await store.start();
const generator = createTraceGenerator({ seed: 99, startTimeUnixNano: BigInt(startArg) });
for (let n = 1; ; n++) {
  await store.writeSpans(generator.nextBatch(5));
  process.stdout.write(`acked ${n}\n`);
}
