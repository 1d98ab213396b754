import type { DuckDBConnection } from '@duckdb/node-api';
import type { InstrumentationScope, Resource, SpanKind } from '@tracelight/core';
import type { Typed } from './value-codec.js';
import { attributesFromTyped, escapeField, unescapeField } from './value-codec.js';
import type { WireResource } from './wire.js';

export interface OpEntry {
  readonly id: number;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKind;
}

export interface ResourceEntry {
  readonly id: number;
  readonly service: string;
  readonly resource: Resource;
}

/** Attribute value columns of `spans` (s0 … s15); a keyset's further values go to the list `attr_more`. */
export const SLOTS = 16;

export interface KeysetEntry {
  readonly id: number;
  readonly codes: string;
  readonly keys: readonly string[];
  /**
   * Where each key's value is stored: slot column 0 … SLOTS-1, or SLOTS + k for entry k of
   * `attr_more`. A key keeps the slot it got first in every keyset that has room for it there,
   * so that a slot column holds the values of few keys (better compression, and a search reads
   * one column).
   */
  readonly slots: readonly number[];
  /** key -> its places (as in `slots`; a key may repeat). */
  readonly places: ReadonlyMap<string, number[]>;
  /** Its key in keysetsByKey. */
  readonly mapKey: string;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Unambiguous (escaped, marked) key for keysets whose keys contain the separator. */
function exactKeysetKey(codes: string, keys: readonly string[]): string {
  return '\x1b' + codes + '\x1d' + keys.map(escapeField).join('\x1f');
}

interface Pending {
  ops: OpEntry[];
  resources: { id: number; service: string; enc: string }[];
  scopes: { id: number; enc: string }[];
  keysets: KeysetEntry[];
  eventKeys: string[];
}

const emptyPending = (): Pending => ({ ops: [], resources: [], scopes: [], keysets: [], eventKeys: [] });

/**
 * The small tables that spans point into by id (operations, resources, scopes, attribute
 * keysets), mirrored in the worker's memory. New entries made while building a group commit are
 * written in that group's transaction (`writePending`). Groups commit in order; two may be in
 * flight (one committing, the next being built), so entries are kept per group until it commits
 * (`commitOldest`), and a failure forgets the entries of every uncommitted group (`rollback`):
 * the later group used them and fails with it.
 */
export class Dictionaries {
  readonly opsByKey = new Map<string, OpEntry>();
  readonly ops: OpEntry[] = [];
  readonly resourcesByEnc = new Map<string, ResourceEntry>();
  readonly resources: ResourceEntry[] = [];
  readonly scopesByEnc = new Map<string, number>();
  readonly scopes: InstrumentationScope[] = [];
  readonly keysetsByKey = new Map<string, KeysetEntry>();
  readonly keysets: KeysetEntry[] = [];
  /** Every key an event attribute has had: a search skips the events for any other key. */
  readonly eventKeys = new Set<string>();
  private pending: Pending = emptyPending();
  /** Written, not yet committed, oldest first. */
  private readonly uncommitted: Pending[] = [];

  async load(con: DuckDBConnection): Promise<void> {
    for (const [id, service, name, kind] of (await con.runAndReadAll('SELECT op_id, service, name, kind FROM ops ORDER BY op_id')).getRowsJS()) {
      this.addOp({ id: Number(id), service: unescapeField(String(service)), name: unescapeField(String(name)), kind: Number(kind) as SpanKind });
    }
    for (const [id, service, enc] of (await con.runAndReadAll('SELECT resource_id, service, enc FROM resources ORDER BY resource_id')).getRowsJS()) {
      this.addResource(Number(id), unescapeField(String(service)), String(enc));
    }
    for (const [id, enc] of (await con.runAndReadAll('SELECT scope_id, enc FROM scopes ORDER BY scope_id')).getRowsJS()) {
      this.addScope(Number(id), String(enc));
    }
    for (const [id, codes, keys, slots] of (await con.runAndReadAll('SELECT keyset_id, codes, keys, slots FROM keysets ORDER BY keyset_id')).getRowsJS()) {
      const keyList = String(keys).split('\x1f').map(unescapeField).slice(0, String(codes).length);
      this.addKeyset(Number(id), String(codes), keyList, String(slots).split(',').map(Number));
    }
    for (const [key] of (await con.runAndReadAll('SELECT key FROM event_keys')).getRowsJS()) this.eventKeys.add(unescapeField(String(key)));
    this.pending = emptyPending();
  }

  eventKey(key: string): void {
    if (this.eventKeys.has(key)) return;
    this.eventKeys.add(key);
    this.pending.eventKeys.push(key);
  }

  /** service -> name -> op ids by kind: per span this is two map lookups, no string building. */
  private readonly opTree = new Map<string, Map<string, number[]>>();

  op(service: string, name: string, kind: SpanKind): number {
    const byKind = this.opTree.get(service)?.get(name);
    const known = byKind?.[kind];
    if (known !== undefined) return known;
    const key = `${kind}\x1f${service}\x1f${name}`;
    const found = this.opsByKey.get(key);
    if (found) return found.id;
    const entry = { id: this.ops.length, service, name, kind };
    this.addOp(entry);
    this.pending.ops.push(entry);
    return entry.id;
  }

  resource(r: WireResource): number {
    const found = this.resourcesByEnc.get(r.enc);
    if (found) return found.id;
    const id = this.resources.length;
    this.addResource(id, r.serviceName, r.enc);
    this.pending.resources.push({ id, service: r.serviceName, enc: r.enc });
    return id;
  }

  scope(enc: string): number {
    const found = this.scopesByEnc.get(enc);
    if (found !== undefined) return found;
    const id = this.scopes.length;
    this.addScope(id, enc);
    this.pending.scopes.push({ id, enc });
    return id;
  }

  keyset(codes: string, keys: readonly string[]): number {
    // The cheap key can be shared by two keysets only when keys contain \x1f; the check below
    // sends such (odd) keysets to an exact, escaped key.
    const fast = codes + '\x1d' + keys.join('\x1f');
    const hit = this.keysetsByKey.get(fast);
    if (hit && sameKeys(hit.keys, keys)) return hit.id;
    const key = hit ? exactKeysetKey(codes, keys) : fast;
    const found = hit ? this.keysetsByKey.get(key) : undefined;
    if (found) return found.id;
    const entry = this.addKeyset(this.keysets.length, codes, keys, this.assignSlots(keys), key);
    this.pending.keysets.push(entry);
    return entry.id;
  }

  /** key -> the slot it got first; how many keys prefer each slot. */
  private readonly keySlot = new Map<string, number>();
  private readonly slotLoad: number[] = new Array<number>(SLOTS).fill(0);

  private preferSlot(key: string, slot: number): void {
    if (slot >= SLOTS || this.keySlot.has(key)) return;
    this.keySlot.set(key, slot);
    this.slotLoad[slot]++;
  }

  /** Slots for a new keyset: each key its preferred slot when free, else the next free one. */
  private assignSlots(keys: readonly string[]): number[] {
    const taken = new Array<boolean>(SLOTS).fill(false);
    let more = SLOTS;
    return keys.map((key) => {
      let slot = this.keySlot.get(key);
      if (slot === undefined) {
        slot = 0;
        for (let s = 1; s < SLOTS; s++) if (this.slotLoad[s] < this.slotLoad[slot]) slot = s;
      }
      for (let n = 0; n < SLOTS && taken[slot]; n++) slot = (slot + 1) % SLOTS;
      if (taken[slot]) return more++;
      taken[slot] = true;
      this.preferSlot(key, slot);
      return slot;
    });
  }

  /**
   * Writes the entries made since the last call, inside the caller's (group's) transaction.
   * Returns the group's token for `rollback`.
   */
  async writePending(con: DuckDBConnection): Promise<object> {
    const p = this.pending;
    this.pending = emptyPending();
    this.uncommitted.push(p);
    await this.insert(con, p);
    return p;
  }

  private async insert(con: DuckDBConnection, p: Pending): Promise<void> {
    const lit = (s: string) => `'${escapeField(s).replaceAll("'", "''")}'`;
    if (p.ops.length > 0) await con.run(`INSERT INTO ops VALUES ${p.ops.map((o) => `(${o.id}, ${lit(o.service)}, ${lit(o.name)}, ${o.kind})`).join(',')}`);
    if (p.resources.length > 0) await con.run(`INSERT INTO resources VALUES ${p.resources.map((r) => `(${r.id}, ${lit(r.service)}, ${lit(r.enc)})`).join(',')}`);
    if (p.scopes.length > 0) await con.run(`INSERT INTO scopes VALUES ${p.scopes.map((s) => `(${s.id}, ${lit(s.enc)})`).join(',')}`);
    if (p.eventKeys.length > 0) await con.run(`INSERT INTO event_keys VALUES ${p.eventKeys.map((k) => `(${lit(k)})`).join(',')}`);
    if (p.keysets.length > 0) {
      // Keys are escaped one by one (so \x1f can join them); the joined string needs no more.
      const raw = (s: string) => `'${s.replaceAll("'", "''")}'`;
      await con.run(
        `INSERT INTO keysets VALUES ${p.keysets.map((k) => `(${k.id}, ${raw(k.codes)}, ${raw(k.keys.map(escapeField).join('\x1f'))}, '${k.slots.join(',')}')`).join(',')}`,
      );
    }
  }

  /** The oldest uncommitted group committed: its entries are in the database. */
  commitOldest(): void {
    this.uncommitted.shift();
  }

  /**
   * A group failed: forget its entries (given its token, or only the ones not written yet when
   * it failed before writing them), those of every later group, and those not yet written.
   */
  rollback(token?: object): void {
    const at = token === undefined ? -1 : this.uncommitted.indexOf(token as Pending);
    const dropped = at < 0 ? [] : this.uncommitted.splice(at);
    dropped.push(this.pending);
    this.pending = emptyPending();
    for (const p of dropped.reverse()) this.forget(p);
  }

  private forget(p: Pending): void {
    for (const o of p.ops) {
      this.opsByKey.delete(`${o.kind}\x1f${o.service}\x1f${o.name}`);
      const byKind = this.opTree.get(o.service)?.get(o.name);
      if (byKind) delete byKind[o.kind];
    }
    this.ops.length -= p.ops.length;
    for (const r of p.resources) this.resourcesByEnc.delete(r.enc);
    this.resources.length -= p.resources.length;
    for (const s of p.scopes) this.scopesByEnc.delete(s.enc);
    this.scopes.length -= p.scopes.length;
    for (const k of p.keysets) this.keysetsByKey.delete(k.mapKey);
    for (const k of p.eventKeys) this.eventKeys.delete(k);
    this.keysets.length -= p.keysets.length;
  }

  private addOp(entry: OpEntry): void {
    this.ops[entry.id] = entry;
    this.opsByKey.set(`${entry.kind}\x1f${entry.service}\x1f${entry.name}`, entry);
    let names = this.opTree.get(entry.service);
    if (!names) this.opTree.set(entry.service, (names = new Map()));
    let byKind = names.get(entry.name);
    if (!byKind) names.set(entry.name, (byKind = []));
    byKind[entry.kind] = entry.id;
  }

  private addResource(id: number, service: string, enc: string): void {
    const [attributes, dropped, schemaUrl] = JSON.parse(enc) as [[string, Typed][], number, string];
    const entry = { id, service, resource: { attributes: attributesFromTyped(attributes), droppedAttributesCount: dropped, schemaUrl } };
    this.resources[id] = entry;
    this.resourcesByEnc.set(enc, entry);
  }

  private addScope(id: number, enc: string): void {
    const [name, version, attributes, dropped, schemaUrl] = JSON.parse(enc) as [string, string, [string, Typed][], number, string];
    this.scopes[id] = { name, version, attributes: attributesFromTyped(attributes), droppedAttributesCount: dropped, schemaUrl };
    this.scopesByEnc.set(enc, id);
  }

  private addKeyset(id: number, codes: string, keys: readonly string[], slots: readonly number[], mapKey?: string): KeysetEntry {
    const places = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const list = places.get(k);
      if (list) list.push(slots[i]);
      else places.set(k, [slots[i]]);
      this.preferSlot(k, slots[i]);
    });
    let key = mapKey ?? codes + '\x1d' + keys.join('\x1f');
    const taken = this.keysetsByKey.get(key);
    if (taken && !sameKeys(taken.keys, keys)) key = exactKeysetKey(codes, keys);
    const entry = { id, codes, keys, slots, places, mapKey: key };
    this.keysets[id] = entry;
    this.keysetsByKey.set(key, entry);
    return entry;
  }
}
