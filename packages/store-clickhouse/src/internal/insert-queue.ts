// Group commit for inserts. ClickHouse wants few, large inserts (every insert makes a part; too
// many parts per partition and it refuses writes), while callers write many small batches and
// each wants to know when its rows are in. Rows that arrive while an insert is in flight wait
// and go out together in the next one; every caller's promise settles with the insert that
// carried its rows. The queue is bounded: beyond `maxPendingRows` a write is refused with the
// retryable STORE_BUSY instead of growing memory.
import { TracelightError } from '@tracelight/core';
import { StoreErrorCode } from '@tracelight/store';

export interface InsertQueueOptions {
  /** Rows accepted but not yet acknowledged by the server, at most. */
  readonly maxPendingRows: number;
  /** A group is sealed and sent once it holds this many bytes. */
  readonly maxInsertBytes: number;
  /** Inserts in flight at once. */
  readonly maxInFlight: number;
  /** Sends one insert (the chunks in order are its body); resolves when the server acknowledged it. */
  send(chunks: readonly Buffer[]): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Group {
  readonly chunks: Buffer[];
  bytes: number;
  rows: number;
  readonly waiters: Waiter[];
}

export class InsertQueue {
  private open: Group | undefined;
  private readonly sealed: Group[] = [];
  private inFlight = 0;
  private pendingRows = 0;
  private idle: (() => void)[] = [];

  private readonly options: InsertQueueOptions;

  constructor(options: InsertQueueOptions) {
    this.options = options;
  }

  /** Rows accepted and not yet acknowledged. */
  get pending(): number {
    return this.pendingRows;
  }

  /** Queues encoded rows; resolves once the insert that carries them is acknowledged. */
  enqueue(chunk: Buffer, rows: number): Promise<void> {
    // One batch larger than the bound is still accepted when nothing else is pending.
    if (this.pendingRows > 0 && this.pendingRows + rows > this.options.maxPendingRows) {
      return Promise.reject(
        new TracelightError(StoreErrorCode.BUSY, `ClickHouse write queue is full (${this.pendingRows} rows pending)`, { retryable: true, retryAfterMs: 1000 }),
      );
    }
    this.pendingRows += rows;
    const group = (this.open ??= { chunks: [], bytes: 0, rows: 0, waiters: [] });
    group.chunks.push(chunk);
    group.bytes += chunk.length;
    group.rows += rows;
    const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
    if (group.bytes >= this.options.maxInsertBytes) {
      this.sealed.push(group);
      this.open = undefined;
    }
    this.pump();
    return done;
  }

  /** Resolves when nothing is pending or in flight. */
  drain(): Promise<void> {
    if (this.pendingRows === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight) {
      const group = this.sealed.shift() ?? this.open;
      if (!group) return;
      if (group === this.open) this.open = undefined;
      this.inFlight++;
      // The chunks are streamed as they are: copying them into one buffer cost more than encoding.
      this.options.send(group.chunks).then(
        () => this.settle(group, undefined),
        (error: unknown) => this.settle(group, error ?? new Error('insert failed')),
      );
    }
  }

  private settle(group: Group, error: unknown): void {
    this.inFlight--;
    this.pendingRows -= group.rows;
    for (const w of group.waiters) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
    this.pump();
    if (this.pendingRows === 0 && this.inFlight === 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
