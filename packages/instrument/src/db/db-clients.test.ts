import { SpanKind } from '@opentelemetry/api';
import type * as IORedis from 'ioredis';
import type * as MySql from 'mysql2/promise';
import type * as Pg from 'pg';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestTracing } from '../testing.js';
import { startTestTracing } from '../testing.js';

// Database client spans come from the official instrumentations the kit enables by default;
// this checks they are on and parented, against the real PostgreSQL, MariaDB and Redis here.
const require = createRequire(import.meta.url);
let t: TestTracing;

beforeAll(() => {
  t = startTestTracing({ serviceName: 'db-test' });
});
afterAll(async () => {
  await t.shutdown();
});
beforeEach(() => t.reset());

async function inRoot<T>(fn: () => Promise<T>): Promise<{ result: T; rootSpanId: string }> {
  return t.tracing.tracerProvider.getTracer('app').startActiveSpan('job', async (root) => {
    const result = await fn();
    root.end();
    return { result, rootSpanId: root.spanContext().spanId };
  });
}

describe('database client spans', () => {
  it('pg', async () => {
    const { Client } = require('pg') as typeof Pg;
    const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      const { result, rootSpanId } = await inRoot(() => client.query('SELECT $1::int AS n', [7]));
      expect(result.rows[0].n).toBe(7);
      const isQuery = (s: { kind: SpanKind; attributes: Record<string, unknown> }) =>
        s.kind === SpanKind.CLIENT && String(s.attributes['db.query.text'] ?? s.attributes['db.statement']).includes('SELECT $1');
      const spans = await t.waitForSpans((s) => s.some(isQuery));
      const q = spans.find(isQuery)!;
      expect(JSON.stringify(q.attributes)).toContain('postgresql');
      expect(q.parentSpanContext?.spanId).toBe(rootSpanId);
    } finally {
      await client.end();
    }
  });

  it('mysql2', async () => {
    const mysql = require('mysql2/promise') as typeof MySql;
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    try {
      const { result, rootSpanId } = await inRoot(() => conn.query('SELECT 1 + 1 AS two'));
      expect((result[0] as Array<{ two: number }>)[0].two).toBe(2);
      const spans = await t.waitForSpans((s) => s.some((x) => x.kind === SpanKind.CLIENT));
      const q = spans.find((s) => s.kind === SpanKind.CLIENT)!;
      expect(JSON.stringify(q.attributes)).toContain('SELECT 1 + 1');
      expect(q.parentSpanContext?.spanId).toBe(rootSpanId);
    } finally {
      await conn.end();
    }
  });

  it('ioredis', async () => {
    const { Redis } = require('ioredis') as typeof IORedis;
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const key = `tracelight-test:${process.pid}`;
      const { rootSpanId } = await inRoot(async () => {
        await redis.set(key, '1', 'EX', 10);
        return redis.get(key);
      });
      const spans = await t.waitForSpans((s) => s.filter((x) => x.kind === SpanKind.CLIENT).length >= 2);
      const names = spans.filter((s) => s.kind === SpanKind.CLIENT).map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['set', 'get']));
      expect(spans.find((s) => s.name === 'get')!.parentSpanContext?.spanId).toBe(rootSpanId);
    } finally {
      redis.disconnect();
    }
  });
});
