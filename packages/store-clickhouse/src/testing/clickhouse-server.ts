// Starts private ClickHouse servers (Debian's clickhouse-server 18.16) for tests and benchmarks
// (`@tracelight/store-clickhouse/testing`; test/clickhouse/harness.ts re-exports it):
// one node, or a cluster of shards x replicas (ReplicatedMergeTree + Distributed) with its own
// ZooKeeper (Debian's zookeeperd jar, run with java). Everything listens on loopback ports from
// `basePort`, lives in a temp dir, and is stopped by pid. Facts this relies on are in
// /work/shared/notes/clickhouse-18.md (config elements the server needs, ZK start-up, DDL).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartClickHouseOptions {
  readonly mode: 'single' | 'cluster';
  /**
   * First port of a block of 1 + 3 * servers ports: basePort is ZooKeeper's client port (cluster
   * mode), server i uses basePort + 1 + 3i (HTTP), + 2 + 3i (native TCP), + 3 + 3i (interserver).
   * Tracelight's tests own 21300-21399 (see PORTS below).
   */
  readonly basePort: number;
  /** Cluster mode only. Default 2. */
  readonly shards?: number;
  /** Cluster mode only. Default 2. */
  readonly replicas?: number;
  /** Keep the temp dir (configs, data, logs) after stop(), for debugging. Default false. */
  readonly keepDir?: boolean;
}

export interface ClickHouseServerInfo {
  /** 1-based, as in the `<macros>`. */
  readonly shard: number;
  readonly replica: number;
  readonly httpPort: number;
  readonly tcpPort: number;
  /** `http://127.0.0.1:<httpPort>` */
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
}

export interface RunningClickHouse {
  readonly mode: 'single' | 'cluster';
  /** The first server's HTTP URL: the one clients talk to. */
  readonly url: string;
  readonly servers: readonly ClickHouseServerInfo[];
  /** Name of the `<remote_servers>` cluster (cluster mode), for `ON CLUSTER` and `Distributed`. */
  readonly cluster: string | undefined;
  /** The running ZooKeeper (its pid changes after restartZooKeeper). */
  readonly zookeeper: { readonly port: number; readonly pid: number } | undefined;
  readonly dir: string;
  /** Milliseconds from the call to every server answering (and reaching ZooKeeper). */
  readonly startupMs: number;
  /** SIGTERMs every process by pid and waits for it to exit (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>;
  /** Stops one server (index into `servers`) by pid, for fault tests. */
  stopServer(index: number): Promise<void>;
  /** Stops ZooKeeper by pid, for fault tests (cluster mode). */
  stopZooKeeper(): Promise<void>;
  /** Starts ZooKeeper again on the same port and data (cluster mode); waits until it serves. */
  restartZooKeeper(): Promise<void>;
}

export const CLUSTER_NAME = 'tracelight';

/**
 * Base ports of the ClickHouse runs, one block each so that test files can run in parallel.
 * A cluster block takes 13 ports (ZooKeeper + 4 servers x 3), a single node 4.
 */
export const PORTS = {
  conformanceSingle: 21300,
  conformanceCluster: 21310,
  harnessSingle: 21330,
  harnessCluster: 21340,
  bench: 21360,
  sqlTest: 21365,
  connectionTest: 21370,
  clusterFaults: 21380,
} as const;
const SERVER_BIN = '/usr/sbin/clickhouse-server';
const ZK_JAR = '/usr/share/java/zookeeper.jar';
// This file is src/testing/ (tests) or dist/testing/ (built, for benchmarks): the repo root is 4 up.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Processes still running from any harness in this process, killed if the process exits early. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Makes sure the Debian packages are there (installing them with apt when not), or throws saying why. */
export function ensureClickHouseInstalled(): void {
  if (existsSync(SERVER_BIN) && existsSync(ZK_JAR) && commandExists('java')) return;
  const script = join(REPO_ROOT, 'scripts/ensure-clickhouse.sh');
  const run = spawnSync('bash', [script], { encoding: 'utf8' });
  if (run.status !== 0 || !existsSync(SERVER_BIN) || !existsSync(ZK_JAR) || !commandExists('java')) {
    throw new Error(
      `ClickHouse tests need Debian's clickhouse-server, zookeeperd and java, and installing them failed ` +
        `(bash scripts/ensure-clickhouse.sh exited ${run.status}): ${(run.stderr || run.stdout || '').trim().slice(-2000)}`,
    );
  }
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export async function startClickHouse(options: StartClickHouseOptions): Promise<RunningClickHouse> {
  const t0 = performance.now();
  ensureClickHouseInstalled();
  installExitHook();
  const cluster = options.mode === 'cluster';
  const shards = cluster ? (options.shards ?? 2) : 1;
  const replicas = cluster ? (options.replicas ?? 2) : 1;
  const count = shards * replicas;
  const base = options.basePort;
  const zkPort = base;
  const ports = Array.from({ length: count }, (_, i) => ({ http: base + 1 + 3 * i, tcp: base + 2 + 3 * i, inter: base + 3 + 3 * i }));
  const wanted = [...(cluster ? [zkPort] : []), ...ports.flatMap((p) => [p.http, p.tcp, p.inter])];
  const busy = (await Promise.all(wanted.map(async (p) => ((await portFree(p)) ? undefined : p)))).filter((p) => p !== undefined);
  if (busy.length > 0) throw new Error(`startClickHouse: ports ${busy.join(', ')} are in use (basePort ${base}); is another run still going?`);

  const dir = mkdtempSync(join(tmpdir(), `tracelight-ch-${options.mode}-`));
  const zkDir = join(dir, 'zookeeper');
  let zkChild: ChildProcess | undefined;
  const serverChildren: ChildProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Servers first (they hold ZooKeeper sessions), then ZooKeeper.
    await Promise.all(serverChildren.map((c) => terminate(c)));
    if (zkChild) await terminate(zkChild);
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const runZooKeeper = async () => {
    zkChild = startZooKeeper(zkDir, zkPort);
    await waitFor(`ZooKeeper on port ${zkPort}`, 30_000, zkChild, [join(zkDir, 'zk.log')], async () => (await fourLetterWord(zkPort, 'srvr')).includes('Mode:'));
  };

  try {
    if (cluster) await runZooKeeper();
    const servers: ClickHouseServerInfo[] = [];
    for (let i = 0; i < count; i++) {
      const shard = Math.floor(i / replicas) + 1;
      const replica = (i % replicas) + 1;
      const serverDir = join(dir, `s${shard}r${replica}`);
      mkdirSync(serverDir, { recursive: true });
      writeFileSync(join(serverDir, 'config.xml'), serverConfig({ dir: serverDir, ports: ports[i], shard, replica, zkPort: cluster ? zkPort : undefined, all: cluster ? ports : undefined, replicas }));
      writeFileSync(join(serverDir, 'users.xml'), USERS_XML);
      const child = launch(SERVER_BIN, [`--config-file=${join(serverDir, 'config.xml')}`], serverDir, join(serverDir, 'stdout.log'));
      serverChildren.push(child);
      servers.push({ shard, replica, httpPort: ports[i].http, tcpPort: ports[i].tcp, url: `http://127.0.0.1:${ports[i].http}`, pid: child.pid!, dir: serverDir });
    }
    await Promise.all(
      servers.map((s, i) =>
        waitFor(`clickhouse-server s${s.shard}r${s.replica} on port ${s.httpPort}`, 30_000, serverChildren[i], [join(s.dir, 'stdout.log'), join(s.dir, 'server.err.log')], async () => {
          if ((await httpQuery(s.url, 'SELECT 1')).trim() !== '1') return false;
          // An ON CLUSTER query sent to a server that never reached ZooKeeper can crash it.
          if (cluster) await httpQuery(s.url, "SELECT count() FROM system.zookeeper WHERE path = '/'");
          return true;
        }),
      ),
    );
    return {
      mode: options.mode,
      url: servers[0].url,
      servers,
      cluster: cluster ? CLUSTER_NAME : undefined,
      get zookeeper() {
        return zkChild ? { port: zkPort, pid: zkChild.pid! } : undefined;
      },
      dir,
      startupMs: Math.round(performance.now() - t0),
      stop,
      stopServer: (index: number) => terminate(serverChildren[index]),
      stopZooKeeper: async () => {
        if (zkChild) await terminate(zkChild);
      },
      restartZooKeeper: async () => {
        if (!cluster) throw new Error('no ZooKeeper in single mode');
        if (zkChild && zkChild.exitCode === null && zkChild.signalCode === null) return;
        await runZooKeeper();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Spawns a process with stdout and stderr going to `logFile`, remembered for the exit hook. */
function launch(command: string, args: string[], cwd: string, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, stdio: ['ignore', fd, fd] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    child.on('error', () => live.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

function startZooKeeper(dir: string, port: number): ChildProcess {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      'tickTime=500',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=200',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,ruok,stat',
      'forceSync=no',
      '',
    ].join('\n'),
  );
  return launch(
    'java',
    ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dzookeeper.jmx.log4j.disable=true', '-cp', ZK_JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
    dir,
    join(dir, 'zk.log'),
  );
}

function serverConfig(o: {
  dir: string;
  ports: { http: number; tcp: number; inter: number };
  shard: number;
  replica: number;
  zkPort: number | undefined;
  all: { http: number; tcp: number; inter: number }[] | undefined;
  replicas: number;
}): string {
  const d = o.dir;
  let clusterXml = '';
  if (o.zkPort !== undefined && o.all) {
    const shardsXml: string[] = [];
    for (let s = 0; s < o.all.length / o.replicas; s++) {
      const reps = o.all
        .slice(s * o.replicas, (s + 1) * o.replicas)
        .map((p) => `<replica><host>127.0.0.1</host><port>${p.tcp}</port></replica>`)
        .join('');
      shardsXml.push(`<shard><internal_replication>true</internal_replication>${reps}</shard>`);
    }
    clusterXml = `
  <remote_servers><${CLUSTER_NAME}>${shardsXml.join('')}</${CLUSTER_NAME}></remote_servers>
  <zookeeper>
    <node><host>127.0.0.1</host><port>${o.zkPort}</port></node>
    <session_timeout_ms>4000</session_timeout_ms>
    <operation_timeout_ms>3000</operation_timeout_ms>
  </zookeeper>
  <macros><shard>${o.shard}</shard><replica>r${o.replica}</replica><cluster>${CLUSTER_NAME}</cluster></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>`;
  }
  // <logger> and <mark_cache_size> are required: without them 18.16 exits at start-up.
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${d}/server.log</log><errorlog>${d}/server.err.log</errorlog><size>20M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${o.ports.http}</http_port>
  <tcp_port>${o.ports.tcp}</tcp_port>
  <interserver_http_port>${o.ports.inter}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>2</keep_alive_timeout>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <path>${d}/data/</path>
  <tmp_path>${d}/data/tmp/</tmp_path>
  <user_files_path>${d}/data/user_files/</user_files_path>
  <format_schema_path>${d}/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>${clusterXml}
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/** A query over ClickHouse's HTTP interface; throws on any non-200 answer. */
export async function httpQuery(url: string, sql: string, params: Record<string, string> = {}): Promise<string> {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  u.searchParams.set('wait_end_of_query', '1');
  const res = await fetch(u, { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse ${url} answered ${res.status}: ${text.trim()}`);
  return text;
}

async function waitFor(what: string, timeoutMs: number, child: ChildProcess, logFiles: string[], ready: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (let delay = 20; ; delay = Math.min(delay * 1.5, 250)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (code ${child.exitCode}, signal ${child.signalCode}) during start-up.${logFiles.map(tail).join('')}`);
    }
    try {
      if (await ready()) return;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what} was not ready after ${timeoutMs} ms${last instanceof Error ? ` (last error: ${last.message})` : ''}.${logFiles.map(tail).join('')}`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

function tail(file: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text ? `\n--- ${file} (end) ---\n${text.slice(-3000)}` : '';
  } catch {
    return '';
  }
}

function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((res, rej) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let out = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.end(word));
    socket.on('data', (b) => (out += b.toString('utf8')));
    socket.on('end', () => res(out));
    socket.on('error', rej);
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const server = createServer();
    server.once('error', () => res(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => res(true)));
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

/** Drops a database (on every node in cluster mode); for tests' clean-up. */
export async function dropDatabase(ch: RunningClickHouse, database: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a plain database name: ${database}`);
  await httpQuery(ch.url, `DROP DATABASE IF EXISTS \`${database}\`${ch.cluster ? ` ON CLUSTER ${ch.cluster}` : ''}`);
}
