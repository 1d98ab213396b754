import type * as Pino from 'pino';
import type * as Winston from 'winston';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';
import { enableConsoleLogCorrelation } from './console.js';

// pino and winston records get trace_id / span_id / trace_flags from the official
// instrumentations; console lines get them from the kit's opt-in patch.
const require = createRequire(import.meta.url);
let t: TestTracing;

beforeAll(() => {
  t = startTestTracing({ serviceName: 'log-test' });
});
afterAll(async () => {
  await t.shutdown();
});

function inSpan<T>(fn: (ids: { traceId: string; spanId: string }) => T): T {
  return t.tracing.tracerProvider.getTracer('app').startActiveSpan('work', (span) => {
    try {
      return fn(span.spanContext());
    } finally {
      span.end();
    }
  });
}

function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
}

describe('log correlation', () => {
  it('pino', () => {
    const pino = require('pino') as typeof Pino;
    const lines: string[] = [];
    const logger = pino.default({}, sink(lines));
    const ids = inSpan((sc) => {
      logger.info('inside');
      return sc;
    });
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '03' });
    expect(outside.trace_id).toBeUndefined();
  });

  it('winston', () => {
    const winston = require('winston') as typeof Winston;
    const lines: string[] = [];
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: sink(lines) })],
    });
    const ids = inSpan((sc) => {
      logger.info('inside');
      return sc;
    });
    const inside = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(inside).toMatchObject({ message: 'inside', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '03' });
  });

  it('console (opt-in)', () => {
    const lines: string[] = [];
    const target = { log: (...a: unknown[]) => lines.push(a.join(' ')), info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as Console;
    const restore = enableConsoleLogCorrelation(target);
    const ids = inSpan((sc) => {
      target.log('inside', 1);
      return sc;
    });
    target.log('outside');
    restore();
    inSpan(() => target.log('restored'));
    expect(lines).toEqual([`inside 1 trace_id=${ids.traceId} span_id=${ids.spanId} trace_flags=03`, 'outside', 'restored']);
  });
});
