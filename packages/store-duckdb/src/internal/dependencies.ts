import type { DependencyLink, DependencyQuery } from '@tracelight/store';
import { normalizeDependencyQuery } from '@tracelight/store';
import type { Dictionaries } from './dictionaries.js';
import type { ConnectionPool } from './reader.js';

/** Calls between services: for each child span in the time range, its parent's service and its own. */
export async function computeDependencies(pool: ConnectionPool, dicts: Dictionaries, query: DependencyQuery): Promise<DependencyLink[]> {
  const q = normalizeDependencyQuery(query);
  // A child's parent is the row parent_ref back in its group commit, or the span parent_id
  // names in its trace. Retried copies are counted once: edges are distinct per child span.
  const sql = `WITH child AS (
      SELECT trace_hi, trace_lo, span_id, grp, seq, parent_ref, parent_id, op_id, status FROM spans
      WHERE start_ns >= $1::BIGINT AND start_ns <= $2::BIGINT AND (parent_ref <> 0 OR parent_id IS NOT NULL)),
    by_ref AS (
      SELECT c.trace_hi, c.trace_lo, c.span_id, p.op_id AS pop, c.op_id AS cop, c.status FROM child c
      JOIN spans p ON p.grp = c.grp AND p.seq = c.seq - c.parent_ref WHERE c.parent_ref <> 0),
    by_id AS (
      SELECT DISTINCT c.trace_hi, c.trace_lo, c.span_id, p.op_id AS pop, c.op_id AS cop, c.status FROM child c
      JOIN spans p ON p.trace_hi = c.trace_hi AND p.trace_lo = c.trace_lo AND p.span_id = c.parent_id WHERE c.parent_ref = 0),
    edges AS (SELECT DISTINCT * FROM (FROM by_ref UNION ALL FROM by_id))
    SELECT pop, cop, count(*), count(*) FILTER (WHERE status = 2) FROM edges GROUP BY 1, 2`;
  const found = await pool.use(async (con) => (await con.runAndReadAll(sql, [q.startTimeUnixNano, q.endTimeUnixNano])).getRowsJS());
  const links = new Map<string, { parent: string; child: string; callCount: number; errorCount: number }>();
  for (const [pop, cop, calls, errors] of found) {
    const parent = dicts.ops[Number(pop)].service;
    const child = dicts.ops[Number(cop)].service;
    if (parent === child) continue;
    const key = `${parent}\x1f${child}`;
    let link = links.get(key);
    if (!link) links.set(key, (link = { parent, child, callCount: 0, errorCount: 0 }));
    link.callCount += Number(calls);
    link.errorCount += Number(errors);
  }
  return [...links.values()].sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
