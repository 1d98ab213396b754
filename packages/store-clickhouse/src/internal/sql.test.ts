import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningClickHouse } from '../testing/index.js';
import { PORTS, startClickHouse } from '../testing/index.js';
import type { Connection } from './connection.js';
import { createConnection } from './connection.js';
import { RowBinaryReader } from './row-binary.js';
import { isPlainIdentifier, sqlArray, sqlBytes, sqlFloat, sqlIdentifier, sqlInList, sqlInt, sqlInt64, sqlString, sqlUInt64 } from './sql.js';

// Every literal is checked the only way that counts: the server parses it back to the same value.
const HOSTILE = [
  '',
  "'",
  "\\'",
  "\\",
  "a'b",
  "'; DROP TABLE x; --",
  "\\'; SELECT 1; --",
  '\0',
  'nul\0in the middle',
  '\b\f\n\r\t\v\u0007\u001b\u007f',
  '\u0001\u0002\u001f',
  '\\x41 is not A',
  '\\0 is not NUL',
  'back\\\\slashes\\',
  '`backticks` and "double quotes"',
  'é ü ß ∑ 😀 中文',
  '\u2028\u2029',
  '\uFEFFbom',
  '?',
  '{param:String}',
  '%s %d $1 :name',
  'x'.repeat(10_000),
];

let ch: RunningClickHouse | undefined;
let conn: Connection;
beforeAll(async () => {
  ch = await startClickHouse({ mode: 'single', basePort: PORTS.sqlTest });
  conn = createConnection({ url: ch.url, username: 'default', password: '', requestTimeoutMs: 30_000, maxOpenConnections: 4, settings: {} });
}, 120_000);
afterAll(async () => {
  await conn?.close();
  await ch?.stop();
});

describe('sqlString', () => {
  it('round-trips hostile strings through the server byte for byte', async () => {
    const sql = `SELECT ${HOSTILE.map((s, i) => `${sqlString(s)} AS s${i}`).join(', ')}`;
    const r = new RowBinaryReader(await conn.binary(sql));
    for (const s of HOSTILE) expect(r.bytes().equals(Buffer.from(s, 'utf8'))).toBe(true);
    expect(r.done).toBe(true);
  });

  it('keeps a hostile value a value inside a WHERE clause', async () => {
    for (const s of HOSTILE) {
      const rows = await conn.json<{ n: string }>(`SELECT count() AS n FROM system.one WHERE ${sqlString(s)} = ${sqlString(s)} AND ${sqlString(s)} != ${sqlString(`${s}x`)}`);
      expect(rows[0].n).toBe('1');
    }
  });

  it('turns a lone surrogate into U+FFFD, as the RowBinary writer does', async () => {
    const r = new RowBinaryReader(await conn.binary(`SELECT ${sqlString('a\uD800b')}`));
    expect(r.string()).toBe('a\uFFFDb');
  });

  it('escapes what needs it and nothing else', () => {
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('a\\b')).toBe("'a\\\\b'");
    expect(sqlString('\0\n\u0001\u007f')).toBe("'\\0\\n\\x01\\x7f'");
    expect(sqlString('é')).toBe("'é'");
    expect(() => sqlString(5 as unknown as string)).toThrow();
  });
});

describe('sqlBytes', () => {
  it('round-trips every byte value', async () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const r = new RowBinaryReader(await conn.binary(`SELECT ${sqlBytes(all)}, toFixedString(${sqlBytes(all.subarray(0, 16))}, 16)`));
    expect([...r.bytes()]).toEqual([...all]);
    expect([...r.fixed(16)]).toEqual([...all.subarray(0, 16)]);
  });
});

describe('numbers', () => {
  it('reads back the same integers and doubles', async () => {
    const u64 = [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const i64 = [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n];
    const f64 = [0, -0.5, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, -123456.789];
    const sql = `SELECT ${[
      ...u64.map((v) => `toUInt64(${sqlUInt64(v)})`),
      ...i64.map((v) => `toInt64(${sqlInt64(v)})`),
      ...f64.map((v) => `toFloat64(${sqlFloat(v)})`),
      `toInt64(${sqlInt(-42)})`,
    ].join(', ')}`;
    const r = new RowBinaryReader(await conn.binary(sql));
    for (const v of u64) expect(r.u64()).toBe(v);
    for (const v of i64) expect(r.i64()).toBe(v);
    for (const v of f64) expect(r.f64()).toBe(v);
    expect(r.i64()).toBe(-42n);
  });

  it('refuses values that are not what they claim to be', () => {
    expect(() => sqlUInt64(-1n)).toThrow();
    expect(() => sqlUInt64(2n ** 64n)).toThrow();
    expect(() => sqlInt64(2n ** 63n)).toThrow();
    expect(() => sqlInt(1.5)).toThrow();
    expect(() => sqlInt(Number.NaN)).toThrow();
    expect(() => sqlInt('1; DROP' as unknown as number)).toThrow();
    expect(() => sqlFloat(Number.POSITIVE_INFINITY)).toThrow();
    expect(() => sqlUInt64(5 as unknown as bigint)).toThrow();
  });
});

describe('identifiers, arrays and IN lists', () => {
  it('accepts plain names only', () => {
    expect(sqlIdentifier('spans_local')).toBe('`spans_local`');
    for (const bad of ['', '1abc', 'a-b', 'a`b', 'a b', 'db.table', 'x;DROP', 'é']) {
      expect(isPlainIdentifier(bad)).toBe(false);
      expect(() => sqlIdentifier(bad)).toThrow();
    }
  });

  it('builds arrays and IN lists the server reads', async () => {
    const rows = await conn.json<{ a: string[]; hit: number }>(
      `SELECT ${sqlArray(HOSTILE.slice(0, 6), sqlString)} AS a, ${sqlString("a'b")} IN ${sqlInList(HOSTILE, sqlString)} AS hit`,
    );
    expect(rows[0].a).toEqual(HOSTILE.slice(0, 6));
    expect(Number(rows[0].hit)).toBe(1);
    expect(() => sqlInList([], sqlString)).toThrow();
  });
});
