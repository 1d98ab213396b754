// The schema, as versioned migrations. Each migration is idempotent on its own (CREATE ... IF
// NOT EXISTS, checks before ALTERs) and recorded in `schema_migrations` once done, so start()
// can run them every time, from several processes at once. A migration may wait for a server
// feature (`when`): it is not recorded until the server has it, so it runs after an upgrade.
//
// Layout (see docs/adr/0004-clickhouse-on-18-16.md for the reasons):
//   resources     each distinct resource once, under a content id (spans and logs carry the id)
//   spans_input   Null engine: the table span writes go to (RowBinary). Materialized views fan
//                 each insert out into:
//   spans         full-fidelity rows, ORDER BY (trace_id, span_id): trace by id, summaries
//   span_index    search columns, ORDER BY (service, name, start_ns): search, metrics, deps
//   operations    (day, service, name, kind) -> latest start: services and operations lists
//   logs          log records, ORDER BY (service, time_ns)
//   retention     cut-offs applied so far (hides operations whose spans are gone)
// In cluster mode every data table is `<name>_local` (Replicated*MergeTree, ON CLUSTER) with a
// `Distributed` table `<name>` over it, sharded by trace id so that a trace lives on one shard.
import type { ClickHouseFeatures } from './features.js';
import { sqlIdentifier, sqlString } from './sql.js';

export interface SchemaContext {
  readonly database: string;
  /** Cluster name from <remote_servers>; undefined for a single node. */
  readonly cluster: string | undefined;
  readonly features: ClickHouseFeatures;
}

/** Fully qualified names the reader and writer use (Distributed tables in cluster mode). */
export interface TableNames {
  readonly spansInput: string;
  readonly spans: string;
  readonly spanIndex: string;
  readonly operations: string;
  readonly logs: string;
  readonly resources: string;
  readonly retention: string;
  readonly migrations: string;
}

export function tableNames(ctx: Pick<SchemaContext, 'database'>): TableNames {
  const t = (name: string) => `${sqlIdentifier(ctx.database)}.${sqlIdentifier(name)}`;
  return {
    spansInput: t('spans_input'),
    spans: t('spans'),
    spanIndex: t('span_index'),
    operations: t('operations'),
    logs: t('logs'),
    resources: t('resources'),
    retention: t('retention'),
    migrations: t('schema_migrations'),
  };
}

/** Every table whose parts count as the store's size (base names). */
export const SIZE_TABLES: readonly string[] = ['spans', 'span_index', 'operations', 'resources', 'logs'];

/** Tables that hold data by time, by their base name, with the column their day partition comes from. */
export const DATA_TABLES: readonly { readonly name: string; readonly timeColumn: string }[] = [
  { name: 'spans', timeColumn: 'start_ns' },
  { name: 'span_index', timeColumn: 'start_ns' },
  { name: 'operations', timeColumn: 'max_start' },
  { name: 'logs', timeColumn: 'time_ns' },
];

/** The columns of spans_input, in the order the writer encodes them. */
export const SPAN_INPUT_COLUMNS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'start_ns',
  'end_ns',
  'service',
  'name',
  'kind',
  'status_code',
  'attrs',
  'event_attrs',
  'resource_id',
  'scope',
  'body',
] as const;

/** The columns of resources, in the order the writer encodes them. */
export const RESOURCE_COLUMNS = ['resource_id', 'service', 'attrs', 'blob'] as const;

/** The columns of logs the writer sends, in order. */
export const LOG_COLUMNS = ['time_ns', 'arrival', 'trace_id', 'span_id', 'service', 'severity_number', 'body_lower', 'resource_id', 'scope', 'body'] as const;

/** The Date a nanosecond time column falls on (UTC), for partitions. */
export function dayOf(column: string): string {
  return `toDate(toDateTime(intDiv(${column}, 1000000000)))`;
}

/** SQL builders shared by the migrations and by retention. */
export function ddl(ctx: SchemaContext) {
  const { database, cluster, features } = ctx;
  const db = sqlIdentifier(database);
  const onCluster = cluster ? ` ON CLUSTER ${sqlIdentifier(cluster)}` : '';
  const localName = (name: string) => (cluster ? `${name}_local` : name);
  const local = (name: string) => `${db}.${sqlIdentifier(localName(name))}`;
  const engine = (kind: string, name: string, args = '') => {
    if (!cluster) return `${kind}(${args})`;
    const path = sqlString(`/clickhouse/tables/{shard}/${database}/${localName(name)}`);
    return `Replicated${kind}(${path}, '{replica}'${args ? `, ${args}` : ''})`;
  };
  const lc = features.lowCardinality ? 'LowCardinality(String)' : 'String';
  const codec = (c: string) => (features.codecs ? ` CODEC(${c})` : '');
  const distributed = (name: string, shardingKey: string | undefined) =>
    cluster
      ? [
          `CREATE TABLE IF NOT EXISTS ${db}.${sqlIdentifier(name)}${onCluster} AS ${local(name)} ` +
            `ENGINE = Distributed(${sqlIdentifier(cluster)}, ${db}, ${sqlIdentifier(localName(name))}${shardingKey ? `, ${shardingKey}` : ''})`,
        ]
      : [];
  /** A small table every node holds in full (one ZooKeeper path for all replicas of all shards). */
  const everywhere = (name: string, columns: string, orderBy: string) =>
    `CREATE TABLE IF NOT EXISTS ${db}.${sqlIdentifier(name)}${onCluster} (${columns}) ENGINE = ` +
    (cluster ? `ReplicatedMergeTree(${sqlString(`/clickhouse/tracelight/${database}/${name}`)}, '{shard}-{replica}')` : 'MergeTree()') +
    ` ORDER BY ${orderBy}`;
  return { db, onCluster, local, localName, engine, lc, codec, distributed, everywhere };
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs only when this holds; not recorded otherwise, so it runs once the server can. */
  readonly when?: (features: ClickHouseFeatures) => boolean;
  /** The statements, in order. */
  statements(ctx: SchemaContext, existing: ExistingSchema): string[];
}

/** What the database already has, for migrations that must not repeat an ALTER. */
export interface ExistingSchema {
  /** `create_table_query` by local table name. */
  readonly tables: ReadonlyMap<string, string>;
}

const TRACE_SHARDING = 'cityHash64(trace_id)';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'base schema',
    statements(ctx) {
      const { onCluster, local, engine, lc, codec, distributed, everywhere } = ddl(ctx);
      const zstd = codec('ZSTD(1)');
      const day = (c: string) => `PARTITION BY ${dayOf(c)}`;
      return [
        `CREATE TABLE IF NOT EXISTS ${local('spans_input')}${onCluster} (
          trace_id FixedString(16), span_id FixedString(8), parent_span_id FixedString(8),
          start_ns UInt64, end_ns UInt64, service String, name String, kind UInt8, status_code UInt8,
          attrs Array(String), event_attrs Array(String), resource_id UInt64, scope String, body String
        ) ENGINE = Null`,
        `CREATE TABLE IF NOT EXISTS ${local('spans')}${onCluster} (
          trace_id FixedString(16), span_id FixedString(8), parent_span_id FixedString(8),
          start_ns UInt64${zstd}, end_ns UInt64${zstd}, service ${lc}, name ${lc}, kind UInt8, status_code UInt8,
          resource_id UInt64, scope String${zstd}, body String${zstd}
        ) ENGINE = ${engine('ReplacingMergeTree', 'spans')} ${day('start_ns')} ORDER BY (trace_id, span_id)
        SETTINGS index_granularity = 1024`,
        `CREATE TABLE IF NOT EXISTS ${local('span_index')}${onCluster} (
          service ${lc}, name ${lc}, kind UInt8, start_ns UInt64${codec('Delta, ZSTD(1)')}, duration_ns Int64${zstd}, status_code UInt8,
          trace_id FixedString(16), span_id FixedString(8), parent_span_id FixedString(8),
          attrs Array(String)${zstd}, event_attrs Array(String)${zstd}, resource_id UInt64
        ) ENGINE = ${engine('ReplacingMergeTree', 'span_index')} ${day('start_ns')}
        ORDER BY (service, name, start_ns, trace_id, span_id) PRIMARY KEY (service, name, start_ns)`,
        `CREATE TABLE IF NOT EXISTS ${local('operations')}${onCluster} (
          day Date, service ${lc}, name ${lc}, kind UInt8, max_start UInt64
        ) ENGINE = ${engine('ReplacingMergeTree', 'operations', 'max_start')} PARTITION BY day ORDER BY (service, name, kind, day)`,
        `CREATE TABLE IF NOT EXISTS ${local('logs')}${onCluster} (
          time_ns UInt64${codec('Delta, ZSTD(1)')}, arrival UInt64${codec('Delta, ZSTD(1)')}, trace_id FixedString(16), span_id FixedString(8),
          service ${lc}, severity_number UInt8, body_lower String${zstd}, resource_id UInt64, scope String${zstd}, body String${zstd}
        ) ENGINE = ${engine('MergeTree', 'logs')} ${day('time_ns')} ORDER BY (service, time_ns)`,
        `CREATE TABLE IF NOT EXISTS ${local('resources')}${onCluster} (
          resource_id UInt64, service ${lc}, attrs Array(String), blob String${zstd}
        ) ENGINE = ${engine('ReplacingMergeTree', 'resources')} ORDER BY resource_id`,
        everywhere('retention', 'cutoff_ns UInt64, applied_ns UInt64', 'cutoff_ns'),
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${local('spans_mv')}${onCluster} TO ${local('spans')} AS
          SELECT trace_id, span_id, parent_span_id, start_ns, end_ns, service, name, kind, status_code, resource_id, scope, body
          FROM ${local('spans_input')}`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${local('span_index_mv')}${onCluster} TO ${local('span_index')} AS
          SELECT service, name, kind, start_ns, toInt64(end_ns) - toInt64(start_ns) AS duration_ns, status_code,
            trace_id, span_id, parent_span_id, attrs, event_attrs, resource_id
          FROM ${local('spans_input')}`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${local('operations_mv')}${onCluster} TO ${local('operations')} AS
          SELECT ${dayOf('start_ns')} AS day, service, name, kind, max(start_ns) AS max_start
          FROM ${local('spans_input')} GROUP BY day, service, name, kind`,
        ...distributed('spans_input', TRACE_SHARDING),
        ...distributed('spans', TRACE_SHARDING),
        ...distributed('span_index', TRACE_SHARDING),
        ...distributed('operations', undefined),
        ...distributed('logs', 'rand()'),
        ...distributed('resources', 'resource_id'),
      ];
    },
  },
  {
    version: 2,
    name: 'skip indexes for attribute values, durations and log trace ids',
    when: (f) => f.skipIndexes,
    statements(ctx, existing) {
      const { local, localName, onCluster } = ddl(ctx);
      const add = (table: string, index: string, definition: string) =>
        (existing.tables.get(localName(table)) ?? '').includes(`INDEX ${index} `)
          ? []
          : [`ALTER TABLE ${local(table)}${onCluster} ADD INDEX ${index} ${definition}`];
      return [
        ...add('span_index', 'idx_attrs', 'attrs TYPE bloom_filter(0.01) GRANULARITY 4'),
        ...add('span_index', 'idx_event_attrs', 'event_attrs TYPE bloom_filter(0.01) GRANULARITY 4'),
        ...add('span_index', 'idx_duration', 'duration_ns TYPE minmax GRANULARITY 4'),
        ...add('logs', 'idx_trace_id', 'trace_id TYPE bloom_filter(0.01) GRANULARITY 4'),
      ];
    },
  },
];

/** TTL clauses for servers that have TTL (the store's `retentionDays`); idempotent. */
export function ttlStatements(ctx: SchemaContext, days: number): string[] {
  if (!ctx.features.ttl) return [];
  const { local, onCluster } = ddl(ctx);
  return DATA_TABLES.map(
    ({ name, timeColumn }) => `ALTER TABLE ${local(name)}${onCluster} MODIFY TTL toDateTime(intDiv(${timeColumn}, 1000000000)) + INTERVAL ${Math.floor(days)} DAY`,
  );
}
