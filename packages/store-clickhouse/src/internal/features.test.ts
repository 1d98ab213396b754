import { describe, expect, it } from 'vitest';
import { featuresOf } from './features.js';
import { MIGRATIONS, ttlStatements } from './schema.js';

describe('featuresOf', () => {
  it('gives 18.16 the base schema only', () => {
    expect(featuresOf('18.16.1')).toMatchObject({ major: 18, minor: 16, lowCardinality: false, codecs: false, ttl: false, skipIndexes: false });
    expect(featuresOf('garbage')).toMatchObject({ lowCardinality: false, codecs: false, ttl: false, skipIndexes: false });
  });

  it('turns features on at the releases that have them', () => {
    expect(featuresOf('19.6.2.11')).toMatchObject({ ttl: true, lowCardinality: false, codecs: false, skipIndexes: false });
    expect(featuresOf('19.11.3')).toMatchObject({ ttl: true, lowCardinality: true, codecs: true, skipIndexes: false });
    expect(featuresOf('23.8.2.7')).toMatchObject({ ttl: true, lowCardinality: true, codecs: true, skipIndexes: true });
  });
});

// These statements cannot run here (only 18.16 is packaged for this machine): their text is checked.
describe('schema for newer servers', () => {
  const ctx = (version: string, cluster?: string) => ({ database: 'tl', cluster, features: featuresOf(version) });
  const base = (version: string, cluster?: string) => MIGRATIONS[0].statements(ctx(version, cluster), { tables: new Map() }).join('\n');

  it('uses only 18.16 syntax for 18.16', () => {
    const sql = base('18.16.1');
    expect(sql).not.toMatch(/LowCardinality|CODEC|TTL|INDEX /);
    expect(sql).toMatch(/ENGINE = ReplacingMergeTree\(\)/);
    expect(sql).not.toMatch(/ON CLUSTER|Distributed|Replicated/);
  });

  it('adds LowCardinality and codecs on newer servers, ON CLUSTER + Replicated + Distributed in a cluster', () => {
    const sql = base('23.8', 'c1');
    expect(sql).toMatch(/service LowCardinality\(String\)/);
    expect(sql).toMatch(/body String CODEC\(ZSTD\(1\)\)/);
    expect(sql).toMatch(/ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/tl\/spans_local', '\{replica\}'\)/);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS `tl`.`spans` ON CLUSTER `c1` AS `tl`.`spans_local` ENGINE = Distributed\(`c1`, `tl`, `spans_local`, cityHash64\(trace_id\)\)/);
  });

  it('adds skip indexes once, and TTL only where the server has it', () => {
    const skip = MIGRATIONS[1];
    expect(skip.when!(featuresOf('18.16.1'))).toBe(false);
    expect(skip.statements(ctx('23.8'), { tables: new Map() })).toHaveLength(4);
    const existing = new Map([['span_index', 'CREATE TABLE ... INDEX idx_attrs attrs TYPE bloom_filter ...']]);
    expect(skip.statements(ctx('23.8'), { tables: existing })).toHaveLength(3);
    expect(ttlStatements(ctx('18.16.1'), 7)).toEqual([]);
    expect(ttlStatements(ctx('23.8'), 7)[0]).toBe('ALTER TABLE `tl`.`spans` MODIFY TTL toDateTime(intDiv(start_ns, 1000000000)) + INTERVAL 7 DAY');
  });
});
