// Deleting old data on a server without TTL (18.16). Whole days go with DROP PARTITION (cheap,
// immediate); the day the cut-off falls in is trimmed with ALTER ... DELETE, a mutation that
// runs in the background, so we wait for it before answering. The cut-off is recorded in
// `retention`, which hides services and operations whose newest span is older.
import { TracelightError } from '@tracelight/core';
import type { RetentionPolicy, RetentionResult, StoreStats } from '@tracelight/store';
import type { Connection } from './connection.js';
import type { SchemaContext } from './schema.js';
import { DATA_TABLES, dayOf, ddl, tableNames } from './schema.js';
import { sqlIdentifier, sqlString, sqlUInt64 } from './sql.js';

const MUTATION_WAIT_MS = 120_000;

export interface AdminContext {
  readonly conn: Connection;
  readonly schema: SchemaContext;
}

/** `system.<table>` across the cluster (one replica per shard) or on the single node. */
function systemTable(ctx: AdminContext, table: string): string {
  return ctx.schema.cluster ? `cluster(${sqlString(ctx.schema.cluster)}, system, ${sqlIdentifier(table)})` : `system.${sqlIdentifier(table)}`;
}

/** Bytes on disk of the active parts of each data table (one copy: replicas are not added up). */
async function bytesByTable(ctx: AdminContext): Promise<Map<string, number>> {
  const { localName } = ddl(ctx.schema);
  const rows = await ctx.conn.json<{ table: string; bytes: string }>(
    `SELECT table, sum(bytes_on_disk) AS bytes FROM ${systemTable(ctx, 'parts')}
     WHERE database = ${sqlString(ctx.schema.database)} AND active GROUP BY table`,
  );
  const out = new Map<string, number>();
  for (const { name } of DATA_TABLES) out.set(name, 0);
  for (const r of rows) {
    const name = DATA_TABLES.find((t) => localName(t.name) === r.table)?.name;
    if (name) out.set(name, Number(r.bytes));
  }
  return out;
}

export async function stats(ctx: AdminContext): Promise<StoreStats> {
  const t = tableNames(ctx.schema);
  const [spans] = await ctx.conn.json<{ n: string }>(`SELECT count() AS n FROM ${t.spans}`);
  const [logs] = await ctx.conn.json<{ n: string }>(`SELECT count() AS n FROM ${t.logs}`);
  let bytes = 0;
  for (const b of (await bytesByTable(ctx)).values()) bytes += b;
  return { spanCount: Number(spans.n), logCount: Number(logs.n), bytes };
}

export async function applyRetention(ctx: AdminContext, policy: RetentionPolicy): Promise<RetentionResult> {
  let cutoff = policy.olderThanUnixNano;
  if (policy.maxBytes !== undefined) {
    if (!(policy.maxBytes >= 0)) throw new TracelightError('STORE_INVALID_QUERY', `maxBytes must be >= 0, got ${policy.maxBytes}`);
    const bySize = await sizeCutoff(ctx, policy.maxBytes);
    if (bySize !== undefined && (cutoff === undefined || bySize > cutoff)) cutoff = bySize;
  }
  if (cutoff === undefined || cutoff <= 0n) return { deletedSpans: 0, deletedLogs: 0 };
  const t = tableNames(ctx.schema);
  const c = sqlUInt64(cutoff > (1n << 64n) - 1n ? (1n << 64n) - 1n : cutoff);
  const [spans] = await ctx.conn.json<{ n: string }>(`SELECT count() AS n FROM ${t.spans} WHERE start_ns < ${c}`);
  const [logs] = await ctx.conn.json<{ n: string }>(`SELECT count() AS n FROM ${t.logs} WHERE time_ns < ${c}`);
  await deleteOlderThan(ctx, c);
  // Services and operations whose newest span is older than this are no longer listed.
  await ctx.conn.command(`INSERT INTO ${t.retention} (cutoff_ns, applied_ns) VALUES (${c}, ${sqlUInt64(BigInt(Date.now()) * 1_000_000n)})`);
  return { deletedSpans: Number(spans.n), deletedLogs: Number(logs.n) };
}

async function deleteOlderThan(ctx: AdminContext, cutoff: string): Promise<void> {
  const { local, onCluster, db } = ddl(ctx.schema);
  const cutoffDay = `${dayOf(cutoff)}`;
  let mutations = 0;
  for (const { name, timeColumn } of DATA_TABLES) {
    const dist = `${db}.${sqlIdentifier(name)}`;
    const days = await ctx.conn.json<{ day: string; whole: number }>(
      `SELECT toString(${dayOf(timeColumn)}) AS day, ${dayOf(timeColumn)} < ${cutoffDay} AS whole
       FROM ${dist} WHERE ${timeColumn} < ${cutoff} GROUP BY day, whole`,
    );
    for (const { day, whole } of days) {
      if (Number(whole) === 1) {
        await ctx.conn.command(`ALTER TABLE ${local(name)}${onCluster} DROP PARTITION ${sqlString(day)}`);
      } else if (name !== 'operations') {
        // `operations` keeps its row for the day: the retention floor hides it when it is stale.
        await ctx.conn.command(`ALTER TABLE ${local(name)}${onCluster} DELETE WHERE ${timeColumn} < ${cutoff}`);
        mutations++;
      }
    }
  }
  if (mutations > 0) await waitForMutations(ctx);
}

async function waitForMutations(ctx: AdminContext): Promise<void> {
  const deadline = Date.now() + MUTATION_WAIT_MS;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    const [row] = await ctx.conn.json<{ n: string }>(
      `SELECT count() AS n FROM ${systemTable(ctx, 'mutations')} WHERE database = ${sqlString(ctx.schema.database)} AND is_done = 0`,
    );
    if (Number(row.n) === 0) return;
    if (Date.now() > deadline) {
      throw new TracelightError('CLICKHOUSE_TIMEOUT', `retention deletes still running after ${MUTATION_WAIT_MS} ms`, { retryable: true });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * The start time before which data must go for the store to take at most `maxBytes`: bytes are
 * spread over rows (spans and logs separately), then whole time buckets are kept newest first
 * while they fit. Undefined when everything fits already.
 */
async function sizeCutoff(ctx: AdminContext, maxBytes: number): Promise<bigint | undefined> {
  const t = tableNames(ctx.schema);
  const bytes = await bytesByTable(ctx);
  let total = 0;
  for (const b of bytes.values()) total += b;
  if (total <= maxBytes) return undefined;
  const spanBytes = (bytes.get('spans') ?? 0) + (bytes.get('span_index') ?? 0) + (bytes.get('operations') ?? 0);
  const logBytes = bytes.get('logs') ?? 0;
  const [range] = await ctx.conn.json<{ sn: string; lo: string; hi: string; ln: string; llo: string; lhi: string }>(
    `SELECT sn, lo, hi, ln, llo, lhi FROM
       (SELECT 1 AS k, count() AS sn, min(start_ns) AS lo, max(start_ns) AS hi FROM ${t.spans})
       ALL INNER JOIN (SELECT 1 AS k, count() AS ln, min(time_ns) AS llo, max(time_ns) AS lhi FROM ${t.logs}) USING k`,
  );
  const sn = Number(range.sn);
  const ln = Number(range.ln);
  if (sn + ln === 0) return undefined;
  const lo = minDefined(sn > 0 ? BigInt(range.lo) : undefined, ln > 0 ? BigInt(range.llo) : undefined);
  const hi = maxDefined(sn > 0 ? BigInt(range.hi) : undefined, ln > 0 ? BigInt(range.lhi) : undefined);
  const width = (hi - lo) / 1000n + 1n;
  const perSpan = sn > 0 ? spanBytes / sn : 0;
  const perLog = ln > 0 ? logBytes / ln : 0;
  const weights = new Map<bigint, number>();
  const histogram = async (table: string, column: string, perRow: number) => {
    const rows = await ctx.conn.json<{ b: string; n: string }>(
      `SELECT intDiv(${column} - ${sqlUInt64(lo)}, ${sqlUInt64(width)}) AS b, count() AS n FROM ${table} GROUP BY b`,
    );
    for (const r of rows) weights.set(BigInt(r.b), (weights.get(BigInt(r.b)) ?? 0) + Number(r.n) * perRow);
  };
  if (sn > 0) await histogram(t.spans, 'start_ns', perSpan);
  if (ln > 0) await histogram(t.logs, 'time_ns', perLog);
  let kept = 0;
  for (const b of [...weights.keys()].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0))) {
    kept += weights.get(b)!;
    if (kept > maxBytes) return lo + (b + 1n) * width;
  }
  return undefined;
}

function minDefined(a: bigint | undefined, b: bigint | undefined): bigint {
  return a === undefined ? b! : b === undefined ? a : a < b ? a : b;
}

function maxDefined(a: bigint | undefined, b: bigint | undefined): bigint {
  return a === undefined ? b! : b === undefined ? a : a > b ? a : b;
}
