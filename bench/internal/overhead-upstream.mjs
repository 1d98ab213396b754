// Uninstrumented helpers for bench/overhead.ts, in their own process: the upstream the
// "outgoing" route calls, and an OTLP/HTTP sink that accepts and drops exports (so the exporting
// cost is paid as it would be against a real collector). Prints "<upstreamPort> <sinkPort>".
import { createServer } from 'node:http';

const upstream = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(`item ${req.url}`);
});
let exported = 0;
const sink = createServer((req, res) => {
  req.on('data', (c) => (exported += c.length));
  req.on('end', () => {
    res.setHeader('content-type', req.headers['content-type'] ?? 'application/x-protobuf');
    res.end();
  });
});
process.on('SIGUSR2', () => process.stderr.write(`sink received ${exported} bytes\n`));
upstream.listen(0, '127.0.0.1', () => {
  sink.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${upstream.address().port} ${sink.address().port}\n`);
  });
});
