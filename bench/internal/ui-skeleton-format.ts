// Why the skeleton is binary: at one trace size (default 100k realistic spans) this compares the
// skeleton body (GET /api/tl/traces/{id}/skeleton) with the same facts as compact JSON of arrays
// ({"parent":[...],"start":[...],...}, span ids as hex strings): body size, server time (encode
// included), and the client's decode into typed arrays. Prints a table; writes nothing.
//
//   node --import ./bench/internal/query-hooks.mjs bench/internal/ui-skeleton-format.ts [--spans 100000]
import { parseArgs } from 'node:util';
import { traceIdHex } from '@tracelight/core';
import { createQueryHandler } from '@tracelight/query';
import { decodeSkeleton } from '@tracelight/query/client';
import { createMemoryStore } from '@tracelight/store';
import { createTraceGenerator } from '../../test/fixtures/trace-generator.js';

const { values } = parseArgs({ options: { spans: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const n = Number(values.spans);
const store = createMemoryStore({ maxSpans: 2 * n });
const batch = createTraceGenerator({ seed: 7, startTimeUnixNano: 1_700_000_000_000_000_000n, spansPerTrace: n, errorRate: 0.01 }).nextBatch(1);
await store.writeSpans(batch);
const traceId = traceIdHex(batch, 0);
const handler = createQueryHandler({ store });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hex = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 8), (x) => x.toString(16).padStart(2, '0')).join('');

const binary = { bytes: 0, serverMs: [] as number[], decodeMs: [] as number[] };
const json = { bytes: 0, encodeMs: [] as number[], decodeMs: [] as number[] };
for (let i = 0; i < Number(values.rounds); i++) {
  let t = performance.now();
  const body = await (await handler(new Request(`http://x/api/tl/traces/${traceId}/skeleton`))).arrayBuffer();
  binary.serverMs.push(performance.now() - t);
  binary.bytes = body.byteLength;
  t = performance.now();
  const sk = decodeSkeleton(body);
  binary.decodeMs.push(performance.now() - t);

  // The JSON alternative: the same sections as arrays (the binary encode is already paid above,
  // so this adds only the JSON step, in the JSON's favour).
  t = performance.now();
  const text = JSON.stringify({
    header: sk.header,
    parent: Array.from(sk.parent),
    start: Array.from(sk.start),
    duration: Array.from(sk.duration),
    spanIds: Array.from({ length: sk.header.spanCount }, (_, r) => hex(sk.spanIds, 8 * r)),
    service: Array.from(sk.service),
    name: Array.from(sk.name),
    kind: Array.from(sk.kind),
    status: Array.from(sk.status),
    flags: Array.from(sk.flags),
  });
  const bytes = new TextEncoder().encode(text);
  json.encodeMs.push(performance.now() - t);
  json.bytes = bytes.length;
  t = performance.now();
  const o = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, number[]>;
  for (const k of ['parent', 'service', 'name', 'kind', 'status', 'flags']) Int32Array.from(o[k]);
  Float64Array.from(o.start);
  Float64Array.from(o.duration);
  json.decodeMs.push(performance.now() - t);
}
const f = (v: number) => v.toFixed(1).padStart(9);
console.log(`${n} spans, median of ${values.rounds}`);
console.log('format        body MB   server ms   client decode ms');
console.log(`binary     ${(binary.bytes / 1e6).toFixed(2).padStart(9)}   ${f(median(binary.serverMs))}   ${f(median(binary.decodeMs))}`);
console.log(`JSON arrays${(json.bytes / 1e6).toFixed(2).padStart(9)}   ${f(median(binary.serverMs) + median(json.encodeMs))}   ${f(median(json.decodeMs))}   (server = binary + JSON step)`);
