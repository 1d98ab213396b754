import type { Connection } from './connection.js';
import type { ExistingSchema, SchemaContext } from './schema.js';
import { ddl, MIGRATIONS } from './schema.js';
import { sqlInt, sqlString, sqlUInt64 } from './sql.js';

/**
 * Creates the database and brings its schema up to date: every migration not yet recorded whose
 * feature condition holds runs, then is recorded. Safe to run concurrently and repeatedly.
 * Returns the versions applied by this call.
 */
export async function migrate(conn: Connection, ctx: SchemaContext): Promise<number[]> {
  const { db, onCluster, everywhere } = ddl(ctx);
  await conn.command(`CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`);
  await conn.command(everywhere('schema_migrations', 'version UInt32, name String, applied_ns UInt64', 'version'));
  const rows = await conn.json<{ version: number | string }>(`SELECT DISTINCT version FROM ${db}.schema_migrations`);
  const applied = new Set(rows.map((r) => Number(r.version)));
  const done: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    if (migration.when && !migration.when(ctx.features)) continue;
    const existing = await existingSchema(conn, ctx);
    for (const statement of migration.statements(ctx, existing)) await conn.command(statement);
    const now = BigInt(Date.now()) * 1_000_000n;
    await conn.command(
      `INSERT INTO ${db}.schema_migrations (version, name, applied_ns) VALUES (${sqlInt(migration.version)}, ${sqlString(migration.name)}, ${sqlUInt64(now)})`,
    );
    done.push(migration.version);
  }
  return done;
}

async function existingSchema(conn: Connection, ctx: SchemaContext): Promise<ExistingSchema> {
  const rows = await conn.json<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables WHERE database = ${sqlString(ctx.database)}`,
  );
  return { tables: new Map(rows.map((r) => [r.name, r.create_table_query])) };
}
