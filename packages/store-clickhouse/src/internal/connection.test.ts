import { TracelightError } from '@tracelight/core';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClickHouse } from '../testing/index.js';
import { PORTS, startClickHouse } from '../testing/index.js';
import type { Connection } from './connection.js';
import { classifyClickHouseError, clickHouseCodeOf, createConnection } from './connection.js';

let ch: RunningClickHouse | undefined;
let conn: Connection;
const open = (url: string, requestTimeoutMs = 30_000) =>
  createConnection({ url, username: 'default', password: '', requestTimeoutMs, maxOpenConnections: 4, settings: {} });

beforeAll(async () => {
  ch = await startClickHouse({ mode: 'single', basePort: PORTS.connectionTest });
  conn = open(ch.url);
}, 120_000);
afterAll(async () => {
  await conn?.close();
  await ch?.stop();
});

async function failure(p: Promise<unknown>): Promise<TracelightError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(TracelightError);
  return e as TracelightError;
}

describe('talking to 18.16 with @clickhouse/client', () => {
  it('runs statements, JSON reads and RowBinary inserts and reads', async () => {
    await conn.command('CREATE TABLE default.t (a UInt32, s String) ENGINE = MergeTree ORDER BY a');
    await conn.insertRowBinary('default.t (a, s)', Buffer.from([7, 0, 0, 0, 2, 0x68, 0x69]));
    expect(await conn.json<{ a: number; s: string }>('SELECT a, s FROM default.t')).toEqual([{ a: 7, s: 'hi' }]);
    expect([...(await conn.binary('SELECT a FROM default.t'))]).toEqual([7, 0, 0, 0]);
  });

  it('reports an error that happens after the first rows as an error, not as broken JSON', async () => {
    const e = await failure(conn.json('SELECT throwIf(number = 300000) FROM numbers(1000000)'));
    expect(e.code).toBe('CLICKHOUSE_REJECTED');
    expect(e.message).toMatch(/Code: 395/);
  });
});

describe('error classification', () => {
  it('bad queries and bad data are permanent', async () => {
    const syntax = await failure(conn.json('SELEC 1'));
    expect([syntax.code, syntax.retryable]).toEqual(['CLICKHOUSE_REJECTED', false]);
    const table = await failure(conn.json('SELECT * FROM default.no_such_table'));
    expect([table.code, table.retryable]).toEqual(['CLICKHOUSE_REJECTED', false]);
    const truncated = await failure(conn.insertRowBinary('default.t (a, s)', Buffer.from([1, 0, 0])));
    expect([truncated.code, truncated.retryable]).toEqual(['CLICKHOUSE_REJECTED', false]);
  });

  it('passing server trouble is retryable', async () => {
    const memory = await failure(conn.json('SELECT groupArray(number) FROM numbers(1000000)', { max_memory_usage: 100_000 }));
    expect(clickHouseCodeOf(memory.message)).toBe(241);
    expect([memory.code, memory.retryable]).toEqual(['CLICKHOUSE_FAILED', true]);
  });

  it('a refused connection and a timeout are retryable', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const nobody = open(`http://127.0.0.1:${closed}`);
    const refused = await failure(nobody.json('SELECT 1'));
    expect([refused.code, refused.retryable]).toEqual(['CLICKHOUSE_UNAVAILABLE', true]);
    await nobody.close();
    const impatient = open(ch!.url, 300);
    const slow = await failure(impatient.json('SELECT sleep(2)'));
    expect([slow.code, slow.retryable]).toEqual(['CLICKHOUSE_TIMEOUT', true]);
    await impatient.close();
  });

  it('reads codes in both the 18.16 and the newer message format', () => {
    expect(clickHouseCodeOf('Code: 60, e.displayText() = DB::Exception: Table default.x doesn\'t exist.')).toBe(60);
    expect(clickHouseCodeOf('Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)')).toBe(252);
    expect(classifyClickHouseError(new Error('Code: 252. DB::Exception: Too many parts'), 'x').retryable).toBe(true);
    expect(classifyClickHouseError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'x').code).toBe('CLICKHOUSE_UNAVAILABLE');
  });
});
