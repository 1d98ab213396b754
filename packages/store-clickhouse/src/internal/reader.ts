// The read side: SQL built only with the helpers in sql.ts, results decoded from RowBinary
// (spans, logs) or JSONEachRow (small aggregates). Copies of a retried span are collapsed per
// query: search groups by trace (copies cannot change the answer), trace reads keep the first
// copy of each span id, and aggregations read `LIMIT 1 BY trace_id, span_id` first.
import type { InstrumentationScope, LogRecord, Resource, SpanKind } from '@tracelight/core';
import { bytesToHex, hexToBytes, isZero, StatusCode } from '@tracelight/core';
import type {
  DependencyLink,
  DependencyQuery,
  LogQuery,
  MetricsQuery,
  MetricsSeries,
  Operation,
  OperationQuery,
  Trace,
  TraceQuery,
  TraceRef,
  TraceSummary,
  AttributeScope,
} from '@tracelight/store';
import {
  logQueryHasBadId,
  normalizeDependencyQuery,
  normalizeLogQuery,
  normalizeMetricsQuery,
  normalizeTraceIds,
  normalizeTraceQuery,
  summarizeTrace,
} from '@tracelight/store';
import type { NormalizedTraceQuery, SummarySpan } from '@tracelight/store';
import { attributePair } from './attribute-pairs.js';
import { readLog, readResource, readScope, readSpan } from './codec.js';
import type { Connection } from './connection.js';
import { RowBinaryReader } from './row-binary.js';
import type { TableNames } from './schema.js';
import { sqlBytes, sqlFloat, sqlInList, sqlInt, sqlInt64, sqlString, sqlUInt64 } from './sql.js';

/** Trace ids per query: keeps the IN list far below 18.16's 256 KiB max_query_size. */
const IDS_PER_QUERY = 1000;
const ZERO_SPAN_ID = sqlBytes(new Uint8Array(8));
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

const clampU64 = (v: bigint) => (v < 0n ? 0n : v > U64_MAX ? U64_MAX : v);
const clampI64 = (v: bigint) => (v < I64_MIN ? I64_MIN : v > I64_MAX ? I64_MAX : v);
const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function idLiteral(hex: string): string {
  return sqlBytes(hexToBytes(hex)!);
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Decodes each distinct resource/scope blob once per result. */
class BlobCache<T> {
  private readonly map = new Map<string, T>();
  private readonly decode: (r: RowBinaryReader) => T;
  constructor(decode: (r: RowBinaryReader) => T) {
    this.decode = decode;
  }
  get(bytes: Buffer): T {
    const key = bytes.toString('latin1');
    let value = this.map.get(key);
    if (value === undefined) this.map.set(key, (value = this.decode(new RowBinaryReader(bytes))));
    return value;
  }
}

export interface ReaderContext {
  readonly conn: Connection;
  readonly tables: TableNames;
  /** Settings for queries that join or filter a Distributed table by another (cluster mode). */
  readonly joinSettings: Readonly<Record<string, string | number>> | undefined;
}

/** The resource ids as UInt64 literals (they are stored as 8 little-endian bytes). */
function resourceIdLiteral(id: Buffer): string {
  return sqlUInt64(id.readBigUInt64LE(0));
}

/** Resources by id (hex of their 8 bytes). */
async function loadResources(ctx: ReaderContext, ids: readonly Buffer[]): Promise<Map<string, Resource>> {
  const out = new Map<string, Resource>();
  for (const part of chunks(ids, IDS_PER_QUERY)) {
    const data = await ctx.conn.binary(`SELECT resource_id, blob FROM ${ctx.tables.resources} WHERE resource_id IN ${sqlInList(part, resourceIdLiteral)}`);
    const r = new RowBinaryReader(data);
    while (!r.done) {
      const id = r.fixed(8).toString('hex');
      const blob = r.bytes();
      if (!out.has(id)) out.set(id, readResource(new RowBinaryReader(blob)));
    }
  }
  return out;
}

/**
 * Stands in for a resource row that cannot be found (it is written before the spans that refer
 * to it, so only a damaged database lacks one): the span keeps at least its service name.
 */
function missingResource(service: string): Resource {
  return { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' };
}

/** Ids of the resources that have attribute key = value (text form), as UInt64 literals. */
async function resourcesWith(ctx: ReaderContext, key: string, value: string): Promise<string[]> {
  const rows = await ctx.conn.json<{ id: string }>(
    `SELECT DISTINCT resource_id AS id FROM ${ctx.tables.resources} WHERE has(attrs, ${sqlString(attributePair(key, value))})`,
  );
  return rows.map((r) => sqlUInt64(BigInt(r.id)));
}

export async function getServices(ctx: ReaderContext): Promise<string[]> {
  const floor = await retentionFloor(ctx);
  const rows = await ctx.conn.json<{ service: string }>(
    `SELECT service FROM ${ctx.tables.operations} GROUP BY service HAVING max(max_start) >= ${sqlUInt64(floor)}`,
  );
  return rows.map((r) => r.service).sort(compareStrings);
}

export async function getOperations(ctx: ReaderContext, query: OperationQuery): Promise<Operation[]> {
  if (typeof query?.serviceName !== 'string') return [];
  const floor = await retentionFloor(ctx);
  const kind = query.spanKind === undefined ? '' : ` AND kind = ${sqlInt(query.spanKind)}`;
  const rows = await ctx.conn.json<{ name: string; kind: number }>(
    `SELECT name, kind FROM ${ctx.tables.operations} WHERE service = ${sqlString(query.serviceName)}${kind}
     GROUP BY name, kind HAVING max(max_start) >= ${sqlUInt64(floor)}`,
  );
  return rows
    .map((r) => ({ name: r.name, spanKind: Number(r.kind) as SpanKind }))
    .sort((a, b) => compareStrings(a.name, b.name) || a.spanKind - b.spanKind);
}

/** The latest retention cut-off applied: operations whose newest span is older are gone. */
async function retentionFloor(ctx: ReaderContext): Promise<bigint> {
  const rows = await ctx.conn.json<{ cutoff: string }>(`SELECT max(cutoff_ns) AS cutoff FROM ${ctx.tables.retention}`);
  return rows.length > 0 ? BigInt(rows[0].cutoff) : 0n;
}

/**
 * Reads the span rows of the given traces: trace_id, span_id, parent_span_id, then `columns`,
 * which `row` reads from `r` (all of them, in order) for each row.
 */
async function readSpanRows(
  ctx: ReaderContext,
  ids: readonly string[],
  columns: string,
  row: (traceId: string, spanId: string, parentSpanId: string, r: RowBinaryReader) => void,
): Promise<void> {
  for (const part of chunks(ids, IDS_PER_QUERY)) {
    const data = await ctx.conn.binary(
      `SELECT trace_id, span_id, parent_span_id, ${columns} FROM ${ctx.tables.spans} WHERE trace_id IN ${sqlInList(part, idLiteral)}`,
    );
    const r = new RowBinaryReader(data);
    while (!r.done) {
      const traceId = bytesToHex(r.fixed(16));
      const spanId = bytesToHex(r.fixed(8));
      const parent = r.fixed(8);
      row(traceId, spanId, isZero(parent) ? '' : bytesToHex(parent), r);
    }
  }
}

export async function getTraces(ctx: ReaderContext, traceIds: readonly string[]): Promise<Trace[]> {
  const ids = normalizeTraceIds(traceIds);
  if (ids.length === 0) return [];
  interface Row {
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId: string;
    readonly service: string;
    readonly resourceId: string;
    readonly scope: InstrumentationScope;
    readonly body: Buffer;
  }
  const byTrace = new Map<string, Map<string, Row>>();
  const scopes = new BlobCache<InstrumentationScope>(readScope);
  const resourceIds = new Map<string, Buffer>();
  await readSpanRows(ctx, ids, 'service, resource_id, scope, body', (traceId, spanId, parentSpanId, r) => {
    const service = r.string();
    const resourceIdBytes = r.fixed(8);
    const scopeBytes = r.bytes();
    const body = r.bytes();
    let spans = byTrace.get(traceId);
    if (!spans) byTrace.set(traceId, (spans = new Map()));
    if (spans.has(spanId)) return;
    const resourceId = resourceIdBytes.toString('hex');
    if (!resourceIds.has(resourceId)) resourceIds.set(resourceId, resourceIdBytes);
    spans.set(spanId, { traceId, spanId, parentSpanId, service, resourceId, scope: scopes.get(scopeBytes), body });
  });
  const resources = await loadResources(ctx, [...resourceIds.values()]);
  return ids.flatMap((traceId) => {
    const rows = byTrace.get(traceId);
    if (!rows) return [];
    const spans = [...rows.values()].map((row) =>
      readSpan(new RowBinaryReader(row.body), row, resources.get(row.resourceId) ?? missingResource(row.service), row.scope),
    );
    return [{ traceId, spans }];
  });
}

/**
 * One attribute filter on span_index. Resource attributes live in `resources`: the ids of the
 * matching resources are looked up first and the span rows filtered by resource id.
 */
async function attributeCondition(ctx: ReaderContext, key: string, value: string, scope: AttributeScope): Promise<string> {
  const pair = sqlString(attributePair(key, value));
  const parts: string[] = [];
  if (scope === 'span' || scope === 'any') parts.push(`has(attrs, ${pair})`);
  if (scope === 'resource' || scope === 'any') {
    const ids = await resourcesWith(ctx, key, value);
    if (ids.length > 0) parts.push(`resource_id IN (${ids.join(', ')})`);
  }
  if (scope === 'event' || scope === 'any') parts.push(`has(event_attrs, ${pair})`);
  if (parts.length === 0) return '0';
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}

/** The WHERE conditions on span_index for a search (every one must hold on the same row). */
async function searchConditions(ctx: ReaderContext, q: NormalizedTraceQuery): Promise<string[]> {
  const where: string[] = [];
  if (q.serviceName !== undefined) where.push(`service = ${sqlString(q.serviceName)}`);
  if (q.operationName !== undefined) where.push(`name = ${sqlString(q.operationName)}`);
  if (q.spanKind !== undefined) where.push(`kind = ${sqlInt(q.spanKind)}`);
  if (q.errorOnly) where.push(`status_code = ${StatusCode.ERROR}`);
  if (q.startTimeMinUnixNano !== undefined) where.push(`start_ns >= ${sqlUInt64(clampU64(q.startTimeMinUnixNano))}`);
  if (q.startTimeMaxUnixNano !== undefined) {
    if (q.startTimeMaxUnixNano < 0n) where.push('0');
    else where.push(`start_ns <= ${sqlUInt64(clampU64(q.startTimeMaxUnixNano))}`);
  }
  if (q.durationMinNano !== undefined) where.push(`duration_ns >= ${sqlInt64(clampI64(q.durationMinNano))}`);
  if (q.durationMaxNano !== undefined) where.push(`duration_ns <= ${sqlInt64(clampI64(q.durationMaxNano))}`);
  for (const f of q.attributes) where.push(await attributeCondition(ctx, f.key, f.value, f.scope));
  return where;
}

export async function findTraceIds(ctx: ReaderContext, query: TraceQuery): Promise<TraceRef[]> {
  const q = normalizeTraceQuery(query);
  const where = await searchConditions(ctx, q);
  const rows = await ctx.conn.json<{ id: string; t: string }>(
    `SELECT lower(hex(trace_id)) AS id, max(start_ns) AS t FROM ${ctx.tables.spanIndex}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY trace_id ORDER BY t DESC, trace_id ASC LIMIT ${sqlInt(q.limit)}`,
  );
  return rows.map((r) => ({ traceId: r.id, startTimeUnixNano: BigInt(r.t) }));
}

export async function getTraceSummaries(ctx: ReaderContext, traceIds: readonly string[]): Promise<TraceSummary[]> {
  const ids = normalizeTraceIds(traceIds);
  if (ids.length === 0) return [];
  const byTrace = new Map<string, SummarySpan[]>();
  await readSpanRows(ctx, ids, 'service, name, start_ns, end_ns, status_code', (traceId, spanId, parentSpanId, r) => {
    const span: SummarySpan = {
      spanId,
      parentSpanId,
      serviceName: r.string(),
      name: r.string(),
      startTimeUnixNano: r.u64(),
      endTimeUnixNano: r.u64(),
      statusCode: r.u8(),
    };
    let spans = byTrace.get(traceId);
    if (!spans) byTrace.set(traceId, (spans = []));
    spans.push(span);
  });
  return ids.flatMap((traceId) => {
    const summary = byTrace.has(traceId) ? summarizeTrace(traceId, byTrace.get(traceId)!) : undefined;
    return summary ? [summary] : [];
  });
}

export async function getDependencies(ctx: ReaderContext, query: DependencyQuery): Promise<DependencyLink[]> {
  const { startTimeUnixNano: from, endTimeUnixNano: to } = normalizeDependencyQuery(query);
  if (to < 0n) return [];
  const window = `start_ns >= ${sqlUInt64(clampU64(from))} AND start_ns <= ${sqlUInt64(clampU64(to))} AND parent_span_id != ${ZERO_SPAN_ID}`;
  // Children in the window (once per span id) joined to their parent span, wherever it starts.
  const rows = await ctx.conn.json<{ parent: string; child: string; calls: string; errors: string }>(
    `SELECT parent_service AS parent, child_service AS child, count() AS calls, sum(is_error) AS errors
     FROM (
       SELECT trace_id, parent_span_id AS join_span_id, service AS child_service, status_code = ${StatusCode.ERROR} AS is_error
       FROM (
         SELECT trace_id, span_id, parent_span_id, service, status_code FROM ${ctx.tables.spanIndex}
         WHERE ${window} LIMIT 1 BY trace_id, span_id
       )
     )
     ANY INNER JOIN (
       SELECT trace_id, span_id AS join_span_id, service AS parent_service FROM ${ctx.tables.spans}
       WHERE trace_id IN (SELECT trace_id FROM ${ctx.tables.spanIndex} WHERE ${window})
     ) USING (trace_id, join_span_id)
     WHERE parent_service != child_service
     GROUP BY parent_service, child_service`,
    ctx.joinSettings,
  );
  return rows
    .map((r) => ({ parent: r.parent, child: r.child, callCount: Number(r.calls), errorCount: Number(r.errors) }))
    .sort((a, b) => compareStrings(a.parent, b.parent) || compareStrings(a.child, b.child));
}

/** Quantile `q` of the sorted array `s` by linear interpolation between closest ranks (as quantileOfSorted). */
function interpolatedQuantile(q: number): string {
  const pos = `((length(s) - 1) * ${sqlFloat(q)})`;
  const lo = `(toUInt32(floor(${pos})) + 1)`;
  const hi = `(least(toUInt32(floor(${pos})) + 1, length(s) - 1) + 1)`;
  return `s[${lo}] + (s[${hi}] - s[${lo}]) * (${pos} - floor(${pos}))`;
}

export async function getMetrics(ctx: ReaderContext, query: MetricsQuery): Promise<MetricsSeries[]> {
  const q = normalizeMetricsQuery(query);
  if (q.endTimeUnixNano <= 0n || q.endTimeUnixNano <= q.startTimeUnixNano) return [];
  const where = [`start_ns >= ${sqlUInt64(clampU64(q.startTimeUnixNano))}`, `start_ns < ${sqlUInt64(clampU64(q.endTimeUnixNano))}`];
  if (q.serviceNames.length > 0) where.push(`service IN ${sqlInList(q.serviceNames, sqlString)}`);
  if (q.spanKinds.length > 0) where.push(`kind IN ${sqlInList(q.spanKinds, sqlInt)}`);
  const byOp = q.groupByOperation;
  const rows = await ctx.conn.json<{ service: string; name?: string; bucket: string; calls: string; errors: string; qs: number[] }>(
    `SELECT service, ${byOp ? 'name, ' : ''}bucket, calls, errors, qs FROM (
       SELECT service, ${byOp ? 'name, ' : ''}intDiv(toInt64(start_ns) - ${sqlInt64(clampI64(q.startTimeUnixNano))}, ${sqlInt64(clampI64(q.stepNano))}) AS bucket,
         count() AS calls, sum(status_code = ${StatusCode.ERROR}) AS errors,
         arraySort(groupArray(toFloat64(duration_ns))) AS s,
         [${q.quantiles.map(interpolatedQuantile).join(', ')}] AS qs
       FROM (
         SELECT trace_id, span_id, service, name, start_ns, duration_ns, status_code FROM ${ctx.tables.spanIndex}
         WHERE ${where.join(' AND ')} LIMIT 1 BY trace_id, span_id
       )
       GROUP BY service, ${byOp ? 'name, ' : ''}bucket
     )`,
  );
  const series = new Map<string, MetricsSeries>();
  for (const row of rows) {
    const key = byOp ? `${row.service}\u0000${row.name}` : row.service;
    let s = series.get(key);
    if (!s) {
      s = byOp ? { serviceName: row.service, operationName: row.name ?? '', points: [] } : { serviceName: row.service, points: [] };
      series.set(key, s);
    }
    s.points.push({
      timeUnixNano: q.startTimeUnixNano + BigInt(row.bucket) * q.stepNano,
      callCount: Number(row.calls),
      errorCount: Number(row.errors),
      latencyQuantilesNano: row.qs.map(Number),
    });
  }
  const out = [...series.values()];
  for (const s of out) s.points.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));
  return out.sort((a, b) => compareStrings(a.serviceName, b.serviceName) || compareStrings(a.operationName ?? '', b.operationName ?? ''));
}

export async function findLogs(ctx: ReaderContext, query: LogQuery): Promise<LogRecord[]> {
  const q = normalizeLogQuery(query);
  if (logQueryHasBadId(q)) return [];
  const where: string[] = [];
  if (q.traceId !== undefined) where.push(`trace_id = ${idLiteral(q.traceId.toLowerCase())}`);
  if (q.spanId !== undefined) where.push(`span_id = ${idLiteral(q.spanId.toLowerCase())}`);
  if (q.serviceName !== undefined) where.push(`service = ${sqlString(q.serviceName)}`);
  if (q.severityNumberMin !== undefined) where.push(`severity_number >= ${sqlFloat(q.severityNumberMin)}`);
  if (q.text !== undefined) where.push(`position(body_lower, ${sqlString(q.text.toLowerCase())}) > 0`);
  if (q.startTimeMinUnixNano !== undefined) where.push(`time_ns >= ${sqlUInt64(clampU64(q.startTimeMinUnixNano))}`);
  if (q.startTimeMaxUnixNano !== undefined) where.push(q.startTimeMaxUnixNano < 0n ? '0' : `time_ns <= ${sqlUInt64(clampU64(q.startTimeMaxUnixNano))}`);
  const data = await ctx.conn.binary(
    `SELECT trace_id, span_id, service, resource_id, scope, body FROM ${ctx.tables.logs}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY time_ns DESC, arrival DESC LIMIT ${sqlInt(q.limit)}`,
  );
  const scopes = new BlobCache<InstrumentationScope>(readScope);
  const rows: { traceId: Buffer; spanId: Buffer; service: string; resourceId: Buffer; scope: InstrumentationScope; body: Buffer }[] = [];
  const r = new RowBinaryReader(data);
  while (!r.done) {
    const traceId = r.fixed(16);
    const spanId = r.fixed(8);
    const service = r.string();
    const resourceId = r.fixed(8);
    rows.push({ traceId, spanId, service, resourceId, scope: scopes.get(r.bytes()), body: r.bytes() });
  }
  const distinct = new Map(rows.map((row) => [row.resourceId.toString('hex'), row.resourceId]));
  const resources = await loadResources(ctx, [...distinct.values()]);
  return rows.map((row) =>
    readLog(
      new RowBinaryReader(row.body),
      isZero(row.traceId) ? '' : bytesToHex(row.traceId),
      isZero(row.spanId) ? '' : bytesToHex(row.spanId),
      resources.get(row.resourceId.toString('hex')) ?? missingResource(row.service),
      row.scope,
    ),
  );
}
