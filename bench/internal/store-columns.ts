import { DuckDBInstance } from '@duckdb/node-api';

/** Bytes a table's column takes in a DuckDB file, from `pragma_storage_info`. */
export interface ColumnBytes {
  readonly column: string;
  readonly bytes: number;
  /** Compression of its segments, most used first, with their share of the rows. */
  readonly compression: string;
}

/**
 * Per-column bytes of a table in a closed DuckDB file. A segment's size is the distance to the
 * next segment in its block (the last one in a block is charged the rest of the block, so free
 * tails of partly filled blocks count too); segments longer than a block add their extra blocks.
 */
export async function columnBytes(path: string, table: string): Promise<{ columns: ColumnBytes[]; blockSize: number; usedBlocks: number; freeBlocks: number }> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const con = await instance.connect();
    const [[blockSize, usedBlocks, freeBlocks]] = (
      await con.runAndReadAll(`SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()`)
    ).getRowsJS() as [bigint, bigint, bigint][];
    const size = Number(blockSize);
    const segments = (
      await con.runAndReadAll(
        `SELECT column_name, segment_type, compression, count, block_id, block_offset, len(additional_block_ids) FROM pragma_storage_info('${table}') WHERE block_id >= 0`,
      )
    ).getRowsJS() as [string, string, string, bigint, bigint, bigint, bigint][];
    const byBlock = new Map<bigint, { offset: number; column: string; extra: number }[]>();
    const compressions = new Map<string, Map<string, number>>();
    for (const [column, type, compression, count, block, offset, extra] of segments) {
      let list = byBlock.get(block);
      if (!list) byBlock.set(block, (list = []));
      list.push({ offset: Number(offset), column, extra: Number(extra) });
      let c = compressions.get(column);
      if (!c) compressions.set(column, (c = new Map()));
      const key = type === 'VALIDITY' ? `validity ${compression}` : compression;
      c.set(key, (c.get(key) ?? 0) + Number(count));
    }
    const bytes = new Map<string, number>();
    for (const list of byBlock.values()) {
      list.sort((a, b) => a.offset - b.offset);
      list.forEach((s, i) => {
        const end = i + 1 < list.length ? list[i + 1].offset : size;
        bytes.set(s.column, (bytes.get(s.column) ?? 0) + end - s.offset + s.extra * size);
      });
    }
    const columns = [...bytes].map(([column, b]) => {
      const c = [...compressions.get(column)!].filter(([k]) => !k.startsWith('validity')).sort((a, b) => b[1] - a[1]);
      const total = c.reduce((n, [, x]) => n + x, 0);
      return { column, bytes: b, compression: c.map(([k, x]) => `${k} ${Math.round((100 * x) / total)}%`).join(', ') };
    });
    return { columns: columns.sort((a, b) => b.bytes - a.bytes), blockSize: size, usedBlocks: Number(usedBlocks), freeBlocks: Number(freeBlocks) };
  } finally {
    instance.closeSync();
  }
}
