import type { Context, ContextManagementToken, ContextManager } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';

/**
 * The kit's context manager: one `AsyncLocalStorage` (no async_hooks of its own), like
 * `AsyncLocalStorageContextManager` from `@opentelemetry/context-async-hooks`, but cheaper on the
 * paths every request takes:
 *
 * - `bind(context, emitter)` replaces the emitter's `emit` (one shared function, the context kept
 *   on the emitter) instead of wrapping all five add-listener methods and the three
 *   remove-listener ones with per-emitter closures and then every listener with a closure whose
 *   `length` is redefined. Every listener of a bound emitter runs in the bound context, also
 *   listeners added before `bind` (for a Node request/response those are Node's own); the
 *   listeners themselves are not wrapped, so `removeListener` and `listeners()` see the functions
 *   the application passed. As upstream, the first `bind` of an emitter wins.
 * - `bind(context, fn)` keeps `fn.length` with fixed-arity wrappers for up to 4 parameters
 *   (redefining `length` on a closure is slow in V8), else as upstream.
 * - `with()` passes through to `AsyncLocalStorage.run` without binding `fn` when there is no
 *   `thisArg`.
 * - `entry()` (not part of the API) enters contexts for a code path that always starts from the
 *   same async frame, such as a server's 'request' events, at about a quarter of `with()`'s cost.
 */

/**
 * Runs functions in a context from the async frame that was current when the entry was made.
 * `AsyncLocalStorage.run` makes two frames per call (Node copies the current frame into a new
 * Map to enter, and copies that one again to restore the old store), and the second copy walks
 * a Map iterator: ~240 ns a call here. An entry keeps an `AsyncResource` made in the captured
 * frame; `runInAsyncScope` switches to that frame and back without allocating, and entering the
 * context inside it copies the captured frame (usually empty) once: ~50 ns.
 *
 * The caller must be in the captured frame for this to be exact (other `AsyncLocalStorage`
 * stores are those of the captured frame). An entry checks the one store it can see, the
 * context's own: when the active context is not the one it captured, it falls back to
 * `AsyncLocalStorage.run`.
 */
export interface ContextEntry {
  run<R>(ctx: Context, fn: (this: unknown, ...args: never[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R;
}

export interface TracelightContextManager extends ContextManager {
  /** A context entry for the async frame current now. */
  entry(): ContextEntry;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Bindable = EventEmitter & { _events?: Record<string | symbol, unknown> };
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

class ScopeToken implements ContextManagementToken {
  private disposed = false;
  constructor(
    private readonly storage: AsyncLocalStorage<Context>,
    private readonly previous: Context | undefined,
  ) {}

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.storage.enterWith(this.previous ?? ROOT_CONTEXT);
  }
}

export function createContextManager(): TracelightContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const kContext = Symbol('tracelight.emitter-context');
  const kEmit = Symbol('tracelight.emitter-original-emit');
  const apply = Reflect.apply as (fn: unknown, thisArg: unknown, args: ArrayLike<unknown>) => unknown;

  function runIn(ctx: Context, fn: unknown, thisArg: unknown, args: ArrayLike<unknown>): unknown {
    return storage.getStore() === ctx ? apply(fn, thisArg, args) : storage.run(ctx, apply, fn, thisArg, args);
  }

  // Shared by every bound emitter: `this` carries the context and the emit it replaced.
  function contextEmit(this: Bindable & { [kContext]?: Context; [kEmit]?: Emit }, event: string | symbol): boolean {
    const original = this[kEmit]!;
    const ctx = this[kContext];
    const events = this._events;
    // No listener for this event: nothing runs, so no context to enter ('error' still throws).
    if (ctx === undefined || (events !== undefined && events[event] === undefined)) {
      // eslint-disable-next-line prefer-rest-params
      return apply(original, this, arguments) as boolean;
    }
    // eslint-disable-next-line prefer-rest-params
    return runIn(ctx, original, this, arguments) as boolean;
  }

  function bindEmitter<T extends EventEmitter>(ctx: Context, emitter: T): T {
    const target = emitter as T & { [kContext]?: Context; [kEmit]?: Emit };
    if (target[kContext] !== undefined) return emitter;
    target[kContext] = ctx;
    target[kEmit] = target.emit as Emit;
    target.emit = contextEmit as T['emit'];
    return emitter;
  }

  function bindFunction<T extends AnyFunction>(ctx: Context, fn: T): T {
    let wrapped: AnyFunction;
    /* eslint-disable prefer-rest-params */
    switch (fn.length) {
      case 0:
        wrapped = function (this: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        break;
      case 1:
        wrapped = function (this: unknown, _a: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        break;
      case 2:
        wrapped = function (this: unknown, _a: unknown, _b: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        break;
      case 3:
        wrapped = function (this: unknown, _a: unknown, _b: unknown, _c: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        break;
      case 4:
        wrapped = function (this: unknown, _a: unknown, _b: unknown, _c: unknown, _d: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        break;
      default:
        wrapped = function (this: unknown) {
          return runIn(ctx, fn, this, arguments);
        };
        Object.defineProperty(wrapped, 'length', { enumerable: false, configurable: true, writable: false, value: fn.length });
    }
    /* eslint-enable prefer-rest-params */
    return wrapped as T;
  }

  // Called in the entry's captured frame (runInAsyncScope): the new frame copies that one.
  function enterAndApply(ctx: Context, fn: unknown, thisArg: unknown, args: ArrayLike<unknown>): unknown {
    storage.enterWith(ctx);
    return apply(fn, thisArg, args);
  }

  function entry(): ContextEntry {
    const captured = storage.getStore();
    const resource = new AsyncResource('tracelight.context-entry', { requireManualDestroy: true });
    return {
      run(ctx, fn, thisArg, args) {
        const store = storage.getStore();
        if (store === ctx) return apply(fn, thisArg, args) as ReturnType<typeof fn>;
        if (store !== captured) return storage.run(ctx, apply, fn, thisArg, args) as ReturnType<typeof fn>;
        return resource.runInAsyncScope(enterAndApply, undefined, ctx, fn, thisArg, args) as ReturnType<typeof fn>;
      },
    };
  }

  return {
    entry,
    active(): Context {
      return storage.getStore() ?? ROOT_CONTEXT;
    },
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      ctx: Context,
      fn: F,
      thisArg?: ThisParameterType<F>,
      ...args: A
    ): ReturnType<F> {
      if (thisArg === undefined || thisArg === null) return storage.run(ctx, fn, ...args);
      return storage.run(ctx, apply, fn, thisArg, args) as ReturnType<F>;
    },
    bind<T>(ctx: Context, target: T): T {
      if (target instanceof EventEmitter) return bindEmitter(ctx, target);
      if (typeof target === 'function') return bindFunction(ctx, target as AnyFunction) as T;
      return target;
    },
    attach(ctx: Context): ContextManagementToken {
      const previous = storage.getStore();
      storage.enterWith(ctx);
      return new ScopeToken(storage, previous);
    },
    enable() {
      return this;
    },
    disable() {
      storage.disable();
      return this;
    },
  };
}
