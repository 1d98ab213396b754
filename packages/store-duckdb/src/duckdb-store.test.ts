import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyValue, Span } from '@tracelight/core';
import { SpanKind, spanBatchFromSpans, spansOf, TracelightError } from '@tracelight/core';
import type { Store } from '@tracelight/store';
import { StoreErrorCode } from '@tracelight/store';
import { describeStoreConformance } from '@tracelight/store/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { createTraceGenerator } from '../../../test/fixtures/index.js';
import type { DuckDBStore, DuckDBStoreOptions } from './duckdb-store.js';
import { createDuckDBStore, DUCKDB_FILE } from './duckdb-store.js';

const dirOf = (store: Store) => dirname((store as DuckDBStore).path);

/** A span of `service` lasting 1 µs, with nothing else set but what `fields` gives. */
function spanOf(fields: Partial<Span> & Pick<Span, 'traceId' | 'spanId' | 'startTimeUnixNano'>, service: string): Span {
  return {
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: 'span',
    kind: SpanKind.INTERNAL,
    endTimeUnixNano: fields.startTimeUnixNano + 1000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource: { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
    ...fields,
  };
}

describeStoreConformance('duckdb', {
  create: async () => createDuckDBStore({ dataDir: mkdtempSync(join(tmpdir(), 'tracelight-duckdb-')), memoryLimitBytes: 256 * 1024 * 1024, threads: 2 }),
  destroy: async (store) => rmSync(dirOf(store), { recursive: true, force: true }),
  reopen: async (store) => createDuckDBStore({ dataDir: dirOf(store), memoryLimitBytes: 256 * 1024 * 1024, threads: 2 }),
});

describe('duckdb store', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const children: ChildProcess[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelight-duckdb-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (options: DuckDBStoreOptions) => {
    const store = createDuckDBStore({ memoryLimitBytes: 256 * 1024 * 1024, threads: 2, ...options });
    stores.push(store);
    await store.start();
    return store;
  };
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const store of stores) await store.shutdown();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write when the process is killed (SIGKILL) mid-stream', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const child = spawn(
      process.execPath,
      ['--import', fileURLToPath(new URL('./internal/source-hooks.mjs', import.meta.url)), fileURLToPath(new URL('./test-support/crash-child.ts', import.meta.url)), dir, String(start)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const acked = await new Promise<number>((resolve, reject) => {
      let out = '';
      let last = 0;
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const line of lines) last = Number(line.split(' ')[1]);
        // Kill while writes are still going, right after an acknowledgement.
        if (last >= 20 && child.kill('SIGKILL')) resolve(last);
      });
      child.on('exit', () => (last < 20 ? reject(new Error(`child exited early: ${stderr}`)) : undefined));
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.on('exit', resolve)));
    expect(child.signalCode).toBe('SIGKILL');

    const generator = createTraceGenerator({ seed: 99, startTimeUnixNano: start });
    const expected = Array.from({ length: acked }, () => spansOf(generator.nextBatch(5))).flat();
    const store = await open({ dataDir: dir, maxAgeMs: 0 });
    const traceIds = [...new Set(expected.map((s) => s.traceId))];
    const traces = await store.getTraces(traceIds);
    expect(traces).toHaveLength(traceIds.length);
    expect(traces.reduce((n, t) => n + t.spans.length, 0)).toBe(expected.length);
  });

  it('reads many traces at once whose spans are spread over distant group commits', { timeout: 60_000 }, async () => {
    const store = await open({ dataDir: tempDir(), maxAgeMs: 0 });
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const traces = Array.from({ length: 25 }, (_, i) => spansOf(createTraceGenerator({ seed: 100 + i, startTimeUnixNano: start, spansPerTrace: 6 }).nextBatch(1)));
    const filler = createTraceGenerator({ seed: 7, startTimeUnixNano: start });
    // Each awaited write is a group commit of its own: the first two spans of every trace, then
    // 70 other commits (more than the gap a lookup reads as one range), then the rest.
    for (const spans of traces) await store.writeSpans(spanBatchFromSpans(spans.slice(0, 2)));
    for (let i = 0; i < 70; i++) await store.writeSpans(filler.nextBatch(1));
    for (const spans of traces) await store.writeSpans(spanBatchFromSpans(spans.slice(2)));
    const bySpan = (spans: Span[]) => [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
    const ids = traces.map((t) => t[0].traceId);
    const read = await store.getTraces([...ids.slice().reverse(), 'f'.repeat(32)]);
    expect(read.map((t) => t.traceId)).toEqual(ids.slice().reverse());
    for (const t of read) expect(bySpan(t.spans)).toEqual(bySpan(traces[ids.indexOf(t.traceId)]));
    const [one] = await store.getTraces([ids[3]]);
    expect(bySpan(one.spans)).toEqual(bySpan(traces[3]));
    const summaries = await store.getTraceSummaries(ids);
    expect(summaries.map((s) => [s.traceId, s.spanCount])).toEqual(ids.map((id) => [id, 6]));
  });

  it('refuses a data folder of another schema version with a message that says what to do, and leaves it as it was', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = join(dir, DUCKDB_FILE);
    const old = await DuckDBInstance.create(file);
    const con = await old.connect();
    await con.run(`CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR); INSERT INTO meta VALUES ('schema', '4')`);
    con.closeSync();
    old.closeSync();
    const store = createDuckDBStore({ dataDir: dir, memoryLimitBytes: 256 * 1024 * 1024 });
    const error = (await store.start().then(
      () => undefined,
      (e: unknown) => e,
    )) as TracelightError;
    expect(error).toBeInstanceOf(TracelightError);
    expect(error.code).toBe('STORE_SCHEMA_MISMATCH');
    expect(error.message).toContain(`${file} holds a Tracelight database of schema version 4`);
    expect(error.message).toContain('--data-dir');
    const reopened = await DuckDBInstance.create(file);
    const check = await reopened.connect();
    expect((await check.runAndReadAll(`SELECT table_name FROM duckdb_tables() ORDER BY 1`)).getRowsJS()).toEqual([['meta']]);
    check.closeSync();
    reopened.closeSync();
  });

  it('refuses writes beyond its bounded queue with a retryable STORE_BUSY, and recovers', { timeout: 60_000 }, async () => {
    const store = await open({ dataDir: tempDir(), maxQueuedSpans: 500, maxAgeMs: 0 });
    const generator = createTraceGenerator({ seed: 5, startTimeUnixNano: BigInt(Date.now()) * 1_000_000n });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => store.writeSpans(generator.nextBatch(5))));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as TracelightError);
    expect(refused.length).toBeGreaterThan(0);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const e of refused) expect([e.code, e.retryable]).toEqual([StoreErrorCode.BUSY, true]);
    await store.writeSpans(generator.nextBatch(5));
    const accepted = results.filter((r) => r.status === 'fulfilled').length + 1;
    expect((await store.stats()).spanCount).toBe(accepted * 100);
  });

  it('keeps spans with more attributes than slot columns, and finds them by any of them (and by event attributes), across a restart', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const start = BigInt(Date.now() - 60_000) * 1_000_000n;
    const many: KeyValue[] = Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 37}`, value: i % 3 === 0 ? BigInt(i) : i % 3 === 1 ? `v${i}` : i / 4 }));
    const span = (n: number, attributes: KeyValue[]): Span =>
      spanOf({ traceId: 'ab'.repeat(15) + String(n).padStart(2, '0'), spanId: 'cd'.repeat(7) + String(n).padStart(2, '0'), name: 'wide', startTimeUnixNano: start + BigInt(n), attributes }, 'wide');
    // The second keyset shares keys with the first in another order, plus new ones.
    const spans = [span(1, many), span(2, [...many.slice(20, 30).reverse(), { key: 'extra', value: true }])];
    spans[1] = { ...spans[1], events: [{ timeUnixNano: spans[1].startTimeUnixNano + 5n, name: 'ev', attributes: [{ key: 'event.key', value: 7n }], droppedAttributesCount: 0 }] };
    let store = await open({ dataDir: dir, maxAgeMs: 0 });
    await store.writeSpans(spanBatchFromSpans(spans));
    await store.shutdown();
    store = await open({ dataDir: dir, maxAgeMs: 0 });
    const traces = await store.getTraces(spans.map((s) => s.traceId));
    expect(traces.map((t) => t.spans[0])).toEqual(spans);
    const find = (key: string, value: string) => store.findTraceIds({ attributes: [{ key, value }] }).then((hits) => hits.map((h) => h.traceId).sort());
    expect(await find('k36', '36')).toEqual([spans[0].traceId]); // the 37th value: beyond the slots
    expect(await find('k1', '9.5')).toEqual([spans[0].traceId]); // a repeated key (values 39 and 2)
    expect(await find('k1', 'v1')).toEqual([spans[0].traceId]);
    expect(await find('k22', 'v22')).toEqual([spans[0].traceId, spans[1].traceId]);
    expect(await find('extra', 'true')).toEqual([spans[1].traceId]);
    expect(await find('k21', 'nope')).toEqual([]);
    // Event attribute keys are remembered across the restart (a search skips the events for others).
    expect(await find('event.key', '7')).toEqual([spans[1].traceId]);
    expect(await store.findTraceIds({ attributes: [{ key: 'event.key', value: '7', scope: 'event' }] }).then((h) => h.map((x) => x.traceId))).toEqual([spans[1].traceId]);
  });

  it('gives every parent id back: parents in the same batch (before or after the child), in another batch, missing, itself; also after retention deletes a parent', { timeout: 60_000 }, async () => {
    const store = await open({ dataDir: tempDir(), maxAgeMs: 0 });
    const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
    const traceId = 'fe'.repeat(16);
    const span = (id: string, parent: string, service: string, offset: bigint): Span =>
      spanOf({ traceId, spanId: id.repeat(8), parentSpanId: parent === '' ? '' : parent.repeat(8), name: `op-${id}`, kind: SpanKind.SERVER, startTimeUnixNano: t0 + offset }, service);
    const root = span('01', '', 'front', 0n);
    const a = span('0a', '01', 'mid', 10n);
    const b = span('0b', '0a', 'back', 20n);
    const c = span('0c', '0a', 'other', 30n);
    const self = span('0d', '0d', 'front', 40n);
    const orphan = span('0e', '99', 'front', 50n);
    await store.writeSpans(spanBatchFromSpans([b, root, a, self, orphan])); // b before its parent
    await store.writeSpans(spanBatchFromSpans([c])); // its parent is in the first batch
    const bySpan = (spans: readonly Span[]) => Object.fromEntries(spans.map((x) => [x.spanId, x.parentSpanId]));
    const expected = bySpan([root, a, b, c, self, orphan]);
    expect(bySpan((await store.getTraces([traceId]))[0].spans)).toEqual(expected);
    expect((await store.getTraceSummaries([traceId]))[0]).toMatchObject({ rootServiceName: 'front', rootSpanName: 'op-01', spanCount: 6 });
    const links = await store.getDependencies({ startTimeUnixNano: t0, endTimeUnixNano: t0 + 1_000_000n });
    expect(links.map((l) => `${l.parent}>${l.child}:${l.callCount}`)).toEqual(['front>mid:1', 'mid>back:1', 'mid>other:1']);

    await store.applyRetention({ olderThanUnixNano: t0 + 5n }); // deletes the root only
    const { [root.spanId]: _deleted, ...kept } = expected;
    expect(bySpan((await store.getTraces([traceId]))[0].spans)).toEqual(kept);
  });

  it('rejects unknown or invalid options at creation', () => {
    expect(() => createDuckDBStore({ dataDir: '/tmp/x', retention: 5 } as unknown as DuckDBStoreOptions)).toThrow(/unknown DuckDB store option 'retention'/);
    expect(() => createDuckDBStore({ memoryLimitBytes: 10 })).toThrow(expect.objectContaining({ code: 'STORE_CONFIG_INVALID' }));
  });

  it('fails to start with a clear error when the data folder cannot be used', { timeout: 60_000 }, async () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const store = createDuckDBStore({ dataDir: file });
    stores.push(store);
    await expect(store.start()).rejects.toMatchObject({ code: 'STORE_OPEN_FAILED' });
    await expect(store.writeSpans(createTraceGenerator({ startTimeUnixNano: 1n }).nextBatch(1))).rejects.toBeInstanceOf(TracelightError);
  });
});
