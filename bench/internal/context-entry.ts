/**
 * What entering a context per request costs, in one process: the kit's context manager's
 * `with()` (AsyncLocalStorage.run: a new async frame to enter and a copy of it to leave) against
 * its `entry()` (one frame, entered from a captured AsyncResource), and the API's
 * `context.with` as instrumentations call it. Each call runs a trivial function; the loop's own
 * cost is the "plain call" row.
 *
 *   npx tsc -p packages/instrument && node bench/internal/context-entry.ts [--rounds 5] [--calls 2000000]
 *
 * Prints ns per call (median of rounds); writes nothing (bench/overhead.ts is the end-to-end
 * measure).
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { parseArgs } from 'node:util';
import { createContextManager } from '../../packages/instrument/dist/internal/context-manager.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '2000000' } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);

const manager = createContextManager();
context.setGlobalContextManager(manager);
const entry = manager.entry();
const key = Symbol('bench');
const contexts = Array.from({ length: 64 }, (_, i) => ROOT_CONTEXT.setValue(key, i));

let sink = 0;
function work(this: unknown, n: number): number {
  sink += n;
  return n;
}

const cases: Array<[string, (i: number) => void]> = [
  ['plain call', (i) => work(i)],
  ['manager.with (ALS.run)', (i) => manager.with(contexts[i & 63], work, undefined, i)],
  ['API context.with', (i) => context.with(contexts[i & 63], work, undefined, i)],
  ['manager.entry().run', (i) => entry.run(contexts[i & 63], work as (this: unknown, ...a: never[]) => number, undefined, [i])],
];

const results = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of cases) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn(i);
    results.get(name)!.push(Number(process.hrtime.bigint() - t0) / calls);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${'case'.padEnd(26)} ns/call (median of ${rounds} rounds × ${calls} calls)`);
for (const [name, xs] of results) console.log(`${name.padEnd(26)} ${median(xs).toFixed(1).padStart(8)}`);
if (sink === -1) console.log('');
