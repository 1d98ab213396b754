import { SpanKind, trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { close, listen, untracedFetch } from '../internal/test-servers.js';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';

// A server that outlives a tracing instance: its requests must be traced by the next one, with
// the handler in the new span's context (the server caches how it enters contexts per patch).
const require = createRequire(import.meta.url);
let current: TestTracing | undefined;

afterAll(async () => {
  await current?.shutdown();
});

describe('a server across a tracing restart', () => {
  it('runs its handler in the server span of the tracing instance started last', async () => {
    current = startTestTracing({ serviceName: 'first' });
    const http = require('node:http') as typeof Http;
    let active: string | undefined;
    const server = http.createServer((_req, res) => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      res.end('ok');
    });
    const url = await listen(server);
    try {
      for (const name of ['first', 'second']) {
        if (name === 'second') {
          await current.shutdown();
          current = startTestTracing({ serviceName: 'second' });
        }
        await (await untracedFetch(`${url}/${name}`)).text();
        const [span] = await current.waitForSpans((s) => s.some((x) => x.kind === SpanKind.SERVER));
        expect(span.resource.attributes['service.name']).toBe(name);
        expect(active).toBe(span.spanContext().spanId);
      }
    } finally {
      await close(server);
    }
  });
});
