import { TracelightError } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { InsertQueue } from './insert-queue.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InsertQueue', () => {
  it('sends at once, groups what arrives meanwhile into the next insert, settles each caller with its insert', async () => {
    const sent: { body: string; done: ReturnType<typeof deferred> }[] = [];
    const q = new InsertQueue({ maxPendingRows: 100, maxInsertBytes: 1 << 20, maxInFlight: 1, send: (chunks) => {
      const done = deferred();
      sent.push({ body: Buffer.concat(chunks).toString(), done });
      return done.promise;
    } });
    const a = q.enqueue(Buffer.from('a'), 1);
    const b = q.enqueue(Buffer.from('b'), 1);
    const c = q.enqueue(Buffer.from('c'), 1);
    expect(sent.map((s) => s.body)).toEqual(['a']);
    expect(q.pending).toBe(3);
    sent[0].done.resolve();
    await a;
    expect(sent.map((s) => s.body)).toEqual(['a', 'bc']);
    sent[1].done.reject(new Error('boom'));
    await expect(b).rejects.toThrow('boom');
    await expect(c).rejects.toThrow('boom');
    expect(q.pending).toBe(0);
    await q.drain();
  });

  it('refuses with a retryable STORE_BUSY beyond its bound, but takes one big batch when empty', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const q = new InsertQueue({ maxPendingRows: 10, maxInsertBytes: 1 << 20, maxInFlight: 1, send: () => {
      const g = deferred();
      gates.push(g);
      return g.promise;
    } });
    const big = q.enqueue(Buffer.from('x'), 50);
    const refused = await q.enqueue(Buffer.from('y'), 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TracelightError);
    expect(refused).toMatchObject({ code: 'STORE_BUSY', retryable: true });
    const drained = q.drain();
    gates[0].resolve();
    await big;
    await drained;
    expect(q.pending).toBe(0);
  });

  it('seals a group at maxInsertBytes and keeps up to maxInFlight inserts going', async () => {
    const bodies: string[] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const q = new InsertQueue({ maxPendingRows: 100, maxInsertBytes: 2, maxInFlight: 2, send: (chunks) => {
      bodies.push(Buffer.concat(chunks).toString());
      const g = deferred();
      gates.push(g);
      return g.promise;
    } });
    const all = ['1', '2', '3', '4', '5'].map((s) => q.enqueue(Buffer.from(s), 1));
    expect(bodies).toEqual(['1', '2']);
    gates[0].resolve();
    await all[0];
    expect(bodies).toEqual(['1', '2', '34']);
    gates[1].resolve();
    gates[2].resolve();
    await Promise.all(all.slice(1, 4));
    gates[3].resolve();
    await Promise.all(all);
    expect(bodies).toEqual(['1', '2', '34', '5']);
  });
});
