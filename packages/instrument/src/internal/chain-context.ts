import type { Context } from '@opentelemetry/api';

/**
 * A `Context` that stores one value and points at its parent, so deriving a context (every span
 * start, every `trace.setSpan`) allocates one small object instead of copying a Map and making
 * three closures as the API's `ROOT_CONTEXT` descendants do. Lookups walk the chain; past
 * `MAX_DEPTH` links a chain is flattened into one Map over its root, so a long-lived chain cannot
 * grow without bound. Any `Context` can be the root of a chain.
 */

const DELETED = Symbol('tracelight.context-deleted');
const MAX_DEPTH = 32;

class ChainContext implements Context {
  constructor(
    readonly parent: Context,
    readonly key: symbol,
    readonly value: unknown,
    readonly depth: number,
  ) {}

  getValue(key: symbol): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let c: Context = this;
    while (c instanceof ChainContext) {
      if (c.key === key) return c.value === DELETED ? undefined : c.value;
      c = c.parent;
    }
    return c.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.depth < MAX_DEPTH ? new ChainContext(this, key, value, this.depth + 1) : this.flatten().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.depth < MAX_DEPTH ? new ChainContext(this, key, DELETED, this.depth + 1) : this.flatten().deleteValue(key);
  }

  private flatten(): FlatContext {
    const links: ChainContext[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let c: Context = this;
    while (c instanceof ChainContext) {
      links.push(c);
      c = c.parent;
    }
    const values = new Map<symbol, unknown>();
    for (let i = links.length - 1; i >= 0; i--) values.set(links[i].key, links[i].value);
    return new FlatContext(values, c);
  }
}

/** The values set along a flattened chain, over the chain's root for every other key. */
class FlatContext implements Context {
  constructor(
    private readonly values: Map<symbol, unknown>,
    private readonly root: Context,
  ) {}

  getValue(key: symbol): unknown {
    if (!this.values.has(key)) return this.root.getValue(key);
    const v = this.values.get(key);
    return v === DELETED ? undefined : v;
  }

  setValue(key: symbol, value: unknown): Context {
    return new ChainContext(this, key, value, 1);
  }

  deleteValue(key: symbol): Context {
    return new ChainContext(this, key, DELETED, 1);
  }
}

const NO_KEY = Symbol('tracelight.context-chain-start');

/**
 * `parent` as the start of a chain: the same values, and every context derived from it
 * (`setValue`, `trace.setSpan`, propagators' `extract`) is a cheap chain link.
 */
export function chainContext(parent: Context): Context {
  return parent instanceof ChainContext || parent instanceof FlatContext ? parent : new ChainContext(parent, NO_KEY, undefined, 1);
}
