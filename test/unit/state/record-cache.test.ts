import { describe, expect, it } from 'vitest';
import { type CacheNamespace, RecordCache } from '../../../state/cache/record-cache.js';

describe('CacheNamespace.forEachDirtyInRange', () => {
  const keysOf = (ns: CacheNamespace<number>, from?: string, to?: string, reverse = false): string[] => {
    const out: string[] = [];
    ns.forEachDirtyInRange(from, to, reverse, (e) => out.push(e.key));
    return out;
  };
  const key = (i: number) => `k${String(i).padStart(3, '0')}`;

  // Few dirty entries are sorted per query, many go through an ordered index kept while they stay dirty: both must
  // visit the same keys in the same order, also after entries were flushed (marked clean) or dropped.
  it.each([3, 32, 33, 200])('visits %i dirty keys in range, in key order either way', (count) => {
    const ns = new RecordCache(1 << 30).namespace<number>('t', () => {});
    const order = Array.from({ length: count }, (_, i) => (i * 7919) % count); // written out of order
    for (const i of order) ns.putDirty(key(i), i, i, 0);
    const all = Array.from({ length: count }, (_, i) => key(i));
    const lo = key(1);
    const hi = key(count - 1);
    expect(keysOf(ns)).toEqual(all);
    expect(keysOf(ns, undefined, undefined, true)).toEqual([...all].reverse());
    expect(keysOf(ns, lo, hi)).toEqual(all.filter((k) => k >= lo && k < hi));
    expect(keysOf(ns, lo, hi, true)).toEqual(all.filter((k) => k >= lo && k < hi).reverse());

    // Flush half of them (clean) and drop one: the rest stays visible in order.
    const dirty = ns.dirtyEntries();
    for (const e of dirty.slice(0, Math.floor(count / 2))) ns.markClean(e, Buffer.from('x'));
    const left = dirty.slice(Math.floor(count / 2));
    ns.remove(left[0]);
    const expected = left
      .slice(1)
      .map((e) => e.key)
      .sort();
    expect(keysOf(ns)).toEqual(expected);

    // Everything flushed, then written again: the new dirty entries are found (the index was dropped and rebuilt).
    for (const e of ns.dirtyEntries()) ns.markClean(e, Buffer.from('x'));
    expect(keysOf(ns)).toEqual([]);
    ns.putDirty(key(2), 2, 2, 0);
    ns.putDirty(key(1), 1, 1, 0);
    expect(keysOf(ns)).toEqual([key(1), key(2)]);
  });
});

describe('CacheNamespace.clear', () => {
  it('frees its bytes from the shared budget and leaves the other namespaces evictable in LRU order', () => {
    const max = 1 << 20;
    const cache = new RecordCache(max);
    const a = cache.namespace<number>('a', () => {});
    const b = cache.namespace<number>('b', () => {});
    const bytes = Buffer.alloc(10);
    b.putClean('b1', 1, bytes);
    a.putClean('a1', 1, bytes);
    b.putClean('b2', 2, bytes);
    a.putDirty('a2', 'a2', 2, 0);
    a.putClean('a3', 3, bytes);
    b.putClean('b3', 3, bytes);
    const sizeOfB = ['b1', 'b2', 'b3'].reduce((n, k) => n + b.peek(k)!.size, 0);
    const dropped = a.peek('a2')!;

    a.clear();
    expect(a.size).toBe(0);
    expect(a.dirtyCount).toBe(0);
    expect(a.peek('a1')).toBeUndefined();
    expect(cache.currentSizeBytes).toBe(sizeOfB);
    expect(cache.entryCount).toBe(3);
    a.markClean(dropped, bytes); // a flush still holding a dropped entry changes nothing
    expect(a.size).toBe(0);
    expect(cache.currentSizeBytes).toBe(sizeOfB);

    // b's entries are still linked in LRU order: an insertion 1 byte more than b1 over the budget evicts b1 and b2.
    const b1 = b.peek('b1')!.size;
    a.putClean('a4', 4, Buffer.alloc(max + b1 + 1 - cache.currentSizeBytes - ('a4'.length + 96)));
    expect(b.peek('b1')).toBeUndefined();
    expect(b.peek('b2')).toBeUndefined();
    expect(b.peek('b3')).toBeDefined();
    expect(a.peek('a4')).toBeDefined();
    expect(cache.currentSizeBytes).toBeLessThanOrEqual(max);
  });
});
