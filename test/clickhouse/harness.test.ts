import { afterAll, describe, expect, it } from 'vitest';
import type { RunningClickHouse } from './harness.js';
import { httpQuery, PORTS, startClickHouse } from './harness.js';

// The harness itself: both topologies come up on their own ports, answer, reach ZooKeeper, and
// are gone (by pid) after stop().
const started: RunningClickHouse[] = [];
afterAll(async () => {
  await Promise.all(started.map((ch) => ch.stop()));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startClickHouse', () => {
  it('starts one node on the given ports and stops it by pid', async () => {
    const ch = await startClickHouse({ mode: 'single', basePort: PORTS.harnessSingle });
    started.push(ch);
    expect(ch.servers).toHaveLength(1);
    expect(ch.url).toBe(`http://127.0.0.1:${PORTS.harnessSingle + 1}`);
    expect((await httpQuery(ch.url, 'SELECT version()')).trim()).toMatch(/^\d+\.\d+/);
    await ch.stop();
    expect(alive(ch.servers[0].pid)).toBe(false);
    await expect(httpQuery(ch.url, 'SELECT 1')).rejects.toThrow();
  });

  it('starts a 2-shard x 2-replica cluster with ZooKeeper; replication and ON CLUSTER DDL work', async () => {
    const ch = await startClickHouse({ mode: 'cluster', basePort: PORTS.harnessCluster });
    started.push(ch);
    expect(ch.servers.map((s) => `${s.shard}/${s.replica}`)).toEqual(['1/1', '1/2', '2/1', '2/2']);
    const clusters = await httpQuery(ch.url, "SELECT shard_num, replica_num FROM system.clusters WHERE cluster = 'tracelight' FORMAT CSV");
    expect(clusters.trim().split('\n')).toEqual(['1,1', '1,2', '2,1', '2,2']);
    await httpQuery(ch.url, "CREATE TABLE default.h ON CLUSTER tracelight (x UInt32) ENGINE = ReplicatedMergeTree('/t/{shard}/h', '{replica}') ORDER BY x");
    await httpQuery(ch.url, 'INSERT INTO default.h VALUES (1), (2), (3)');
    // The other replica of shard 1 gets the rows through ZooKeeper (asynchronously).
    const replica = ch.servers[1].url;
    let n = '';
    for (let i = 0; i < 100 && n !== '3'; i++) {
      n = (await httpQuery(replica, 'SELECT count() FROM default.h')).trim();
      if (n !== '3') await new Promise((r) => setTimeout(r, 50));
    }
    expect(n).toBe('3');
    expect((await httpQuery(ch.servers[2].url, 'SELECT count() FROM default.h')).trim()).toBe('0');
    await ch.stop();
    for (const s of ch.servers) expect(alive(s.pid)).toBe(false);
    expect(alive(ch.zookeeper!.pid)).toBe(false);
  });
});
