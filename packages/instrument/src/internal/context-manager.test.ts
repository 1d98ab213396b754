import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createContextManager } from './context-manager.js';

const KEY = createContextKey('tracelight test key');
const manager = createContextManager().enable();
const ctxA = ROOT_CONTEXT.setValue(KEY, 'a');
const ctxB = ROOT_CONTEXT.setValue(KEY, 'b');
const current = (): unknown => manager.active().getValue(KEY);

describe('with', () => {
  it('runs fn in the context, nests, and restores the outer one', () => {
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const seen = manager.with(ctxA, () => [current(), manager.with(ctxB, () => current()), current()]);
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes thisArg and arguments', () => {
    const self = { n: 40 };
    const r = manager.with(ctxA, function (this: { n: number }, x: number, y: number) {
      return [this.n + x + y, current()];
    }, self, 1, 1);
    expect(r).toEqual([42, 'a']);
  });

  it('restores the context when fn throws, and keeps it across await', async () => {
    expect(() => manager.with(ctxA, () => {
      throw new Error('x');
    })).toThrow('x');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const after = await manager.with(ctxB, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return current();
    });
    expect(after).toBe('b');
  });
});

describe('bind(function)', () => {
  it('runs the function in the bound context and keeps this, arguments and length', () => {
    for (const fn of [
      function (this: unknown) { return [this, [...arguments], current()]; }, // eslint-disable-line prefer-rest-params
      function (this: unknown, a: unknown) { return [this, [a], current()]; },
      function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) { return [this, [a, b, c, d, e], current()]; },
    ]) {
      const bound = manager.bind(ctxA, fn);
      expect(bound.length).toBe(fn.length);
      const self = { me: true };
      const args = Array.from({ length: Math.max(1, fn.length) }, (_, i) => i);
      const [thisSeen, argsSeen, ctxSeen] = manager.with(ctxB, () => Reflect.apply(bound, self, args)) as [unknown, unknown[], unknown];
      expect(thisSeen).toBe(self);
      expect(argsSeen).toEqual(args);
      expect(ctxSeen).toBe('a');
    }
  });

  it('keeps the length of an Express-style error handler (4 parameters)', () => {
    const bound = manager.bind(ctxA, (_err: unknown, _req: unknown, _res: unknown, _next: unknown) => undefined);
    expect(bound.length).toBe(4);
  });
});

describe('bind(emitter)', () => {
  it('runs listeners added before and after bind in the bound context, not the emitting one', () => {
    const ee = new EventEmitter();
    const seen: unknown[] = [];
    ee.on('x', () => seen.push(['before', current()]));
    manager.bind(ctxA, ee);
    ee.on('x', () => seen.push(['on', current()]));
    ee.once('x', () => seen.push(['once', current()]));
    ee.prependListener('x', () => seen.push(['prepend', current()]));
    manager.with(ctxB, () => ee.emit('x'));
    ee.emit('x');
    expect(seen).toEqual([
      ['prepend', 'a'], ['before', 'a'], ['on', 'a'], ['once', 'a'],
      ['prepend', 'a'], ['before', 'a'], ['on', 'a'],
    ]);
  });

  it('leaves listeners unwrapped: removeListener, off and listeners() see the functions passed', () => {
    const ee = manager.bind(ctxA, new EventEmitter());
    const f = (): void => {};
    const g = (): void => {};
    ee.on('x', f);
    ee.once('x', g);
    expect(ee.listeners('x')).toEqual([f, g]);
    ee.removeListener('x', f);
    ee.off('x', g);
    expect(ee.listenerCount('x')).toBe(0);
    expect(ee.emit('x')).toBe(false);
  });

  it('returns emit’s result, passes arguments, and still throws for an unhandled error event', () => {
    const ee = manager.bind(ctxA, new EventEmitter());
    let got: unknown[] = [];
    ee.on('x', (...args: unknown[]) => (got = [...args, current()]));
    expect(ee.emit('x', 1, 'two', 3)).toBe(true);
    expect(got).toEqual([1, 'two', 3, 'a']);
    expect(() => ee.emit('error', new Error('boom'))).toThrow('boom');
  });

  it('keeps the first context when bound twice', () => {
    const ee = manager.bind(ctxA, new EventEmitter());
    manager.bind(ctxB, ee);
    let seen: unknown;
    ee.on('x', () => (seen = current()));
    ee.emit('x');
    expect(seen).toBe('a');
  });

  it('carries the context into a real request body stream read outside it', async () => {
    const contexts: unknown[] = [];
    const server = createServer((req, res) => {
      manager.bind(ctxA, req);
      manager.bind(ctxA, res);
      // Listeners attached outside any context: the bound one must be active when they run.
      manager.with(ROOT_CONTEXT, () => {
        req.on('data', () => contexts.push(current()));
        req.on('end', () => {
          contexts.push(current());
          res.end('ok');
        });
        res.on('finish', () => contexts.push(current()));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(100_000) });
      expect(await res.text()).toBe('ok');
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(contexts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(contexts)).toEqual(new Set(['a']));
  });
});

describe('entry', () => {
  const other = new AsyncLocalStorage<string>();
  const run = <R>(entry: ReturnType<typeof manager.entry>, ctx: typeof ctxA, fn: (...args: number[]) => R, ...args: number[]): R =>
    entry.run(ctx, fn as (this: unknown, ...args: never[]) => R, undefined, args);

  it('runs fn in the context with its arguments, and restores the caller’s context and stores, also when fn throws', () => {
    const entry = other.run('outer', () => manager.entry());
    other.run('outer', () => {
      expect(run(entry, ctxA, (x, y) => [x + y, current(), other.getStore()], 40, 2)).toEqual([42, 'a', 'outer']);
      expect(manager.active()).toBe(ROOT_CONTEXT);
      expect(other.getStore()).toBe('outer');
      expect(() => run(entry, ctxA, () => {
        throw new Error('x');
      })).toThrow('x');
      expect(manager.active()).toBe(ROOT_CONTEXT);
      expect(other.getStore()).toBe('outer');
    });
  });

  it('keeps the context across await inside, and nests with with()', async () => {
    const entry = manager.entry();
    const seen = await run(entry, ctxA, async () => {
      const inner = manager.with(ctxB, () => current());
      await new Promise((r) => setTimeout(r, 1));
      return [current(), inner, current()];
    });
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('called under another context than the one it captured, enters from the caller’s frame', () => {
    const entry = manager.entry();
    const seen = manager.with(ctxB, () => other.run('caller', () => run(entry, ctxA, () => [current(), other.getStore()])));
    expect(seen).toEqual(['a', 'caller']);
    // Already in the context: fn runs as it is.
    expect(manager.with(ctxA, () => run(entry, ctxA, () => current()))).toBe('a');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });
});

describe('attach', () => {
  it('sets the context until the token is disposed (twice is harmless)', () => {
    manager.with(ctxB, () => {
      const token = manager.attach!(ctxA);
      expect(current()).toBe('a');
      token.dispose();
      expect(current()).toBe('b');
      token.dispose();
      expect(current()).toBe('b');
    });
  });
});
