import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStore } from '../../../state/internals/local-store.js';
import { InMemoryLocalStore } from '../../../state/memory/in-memory-local-store.js';
import { RocksDbLocalStore } from '../../../state/rocksdb/rocksdb-local-store.js';
import { RocksDbMemory } from '../../../state/rocksdb/rocksdb-memory.js';
import { mirroredRange, SegmentMirror } from '../../../state/rocksdb/segment-mirror.js';
import { tempDir } from './support/fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const v = (s: string) => Buffer.from(s);
const show = (entries: { key: string; value: Buffer }[]) => entries.map((e) => `${e.key}=${e.value}`);

const implementations: [string, (segmented: boolean) => LocalStore][] = [
  ['in-memory', () => new InMemoryLocalStore()],
  [
    'rocksdb',
    (segmented) => {
      const dir = tempDir('tributary-local');
      const store = new RocksDbLocalStore(`${dir.path}/db`, segmented, new RocksDbMemory(64 << 20));
      cleanups.push(async () => {
        await store.close();
        dir.remove();
      });
      return store;
    },
  ],
];

for (const [name, create] of implementations) {
  describe(`${name} local store`, () => {
    it('keeps segments apart and drops whole segments below a bound in one batch', async () => {
      const store = create(true);
      await store.open(true);
      const segmentOf = (key: string) => Number(key[0]);
      await store.apply({
        writes: new Map([
          ['0a', v('1')],
          ['1a', v('2')],
          ['1b', v('3')],
          ['2a', v('4')],
        ]),
        segmentOf,
      });
      expect(show(await store.range(1, undefined, undefined, false))).toEqual(['1a=2', '1b=3']);
      expect(show(await store.range(1, '1b', undefined, true))).toEqual(['1b=3']);
      expect(show(await store.range(1, undefined, '1b', false))).toEqual(['1a=2']);
      expect(await store.get(0, '0a')).toEqual(v('1'));
      expect(await store.get(1, '0a')).toBeUndefined();
      await store.apply({
        writes: new Map([
          ['1a', null],
          ['0z', v('late')], // written into a segment being dropped: skipped
        ]),
        segmentOf,
        dropSegmentsBelow: 1,
        meta: new Map([['observed', v('x')]]),
      });
      expect(await store.range(0, undefined, undefined, false)).toEqual([]);
      expect(show(await store.range(1, undefined, undefined, false))).toEqual(['1b=3']);
      expect(await store.getMany(2, ['2a', '2b'])).toEqual([v('4'), undefined]);
      expect(await store.getMeta('observed')).toEqual(v('x'));
    });
  });
}

describe('rocksdb local store persistence', () => {
  it('keeps committed data and its state id across a reopen, and loses both when opened fresh', async () => {
    const dir = tempDir('tributary-local');
    cleanups.push(() => dir.remove());
    const memory = new RocksDbMemory(64 << 20);
    const path = `${dir.path}/db`;
    const first = new RocksDbLocalStore(path, false, memory);
    await first.open(false);
    const id = first.stateId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await first.apply({ writes: new Map([['k', v('v')]]), segmentOf: () => 0 });
    await first.persist();
    await first.close();
    expect(memory.openStores).toBe(0);
    expect(memory.reservedBytes).toBe(0);

    const again = new RocksDbLocalStore(path, false, memory);
    await again.open(false);
    expect(again.stateId()).toBe(id);
    expect(await again.get(0, 'k')).toEqual(v('v'));
    await again.open(true);
    expect(again.stateId()).not.toBe(id);
    expect(await again.get(0, 'k')).toBeUndefined();
    await again.close();
  });

  it('batches single gets issued in the same tick', async () => {
    const dir = tempDir('tributary-local');
    const store = new RocksDbLocalStore(`${dir.path}/db`, false, new RocksDbMemory(64 << 20));
    cleanups.push(async () => {
      await store.close();
      dir.remove();
    });
    await store.open(true);
    await store.apply({
      writes: new Map([
        ['a', v('1')],
        ['b', v('2')],
      ]),
      segmentOf: () => 0,
    });
    const reads = await Promise.all([store.get(0, 'a'), store.get(0, 'b'), store.get(0, 'c')]);
    expect(reads).toEqual([v('1'), v('2'), undefined]);
  });
});

describe('RocksDB memory budget', () => {
  it('gives the first stores full memtables and block caches, later ones less, and takes it back on close', () => {
    const ledger = new RocksDbMemory(256 << 20);
    const first = ledger.reserve();
    expect(first).toMatchObject({
      writeBufferSize: 16 << 20,
      maxWriteBufferNumber: 2,
      blockCache: true,
    });
    expect(first.bytes).toBe(64 << 20);
    const more = [ledger.reserve(), ledger.reserve(), ledger.reserve()];
    expect(more.map((a) => a.blockCache)).toEqual([true, true, false]);
    expect(more[2].writeBufferSize).toBe(8 << 20);
    expect(ledger.reservedBytes).toBeLessThanOrEqual(256 << 20);
    expect(ledger.overBudget).toBe(false);
    // A window store opening now (48 MiB left: 2 x 6 MiB memtables, no block cache) also gets a mirror of a quarter
    // of what remains after them.
    const windows = ledger.reserve();
    const mirror = ledger.reserveMirror();
    expect(mirror.bytes).toBe(((48 - 12) / 4) * 2 ** 20);
    mirror.release();
    windows.release();
    for (let i = 0; i < 40; i++) ledger.reserve();
    expect(ledger.overBudget).toBe(true); // the 1 MiB floor: very many stores exceed the budget
    first.release();
    first.release(); // releasing twice counts once
    expect(ledger.openStores).toBe(43);
  });
});

describe('RocksDB segment mirror', () => {
  /** A window-like store holding `writes`, reopened so that it is resumed (not created empty). */
  async function segmentedStore(writes: Map<string, Buffer | null>, rocksDbMaxBytes = 64 << 20) {
    const dir = tempDir('tributary-mirror');
    const memory = new RocksDbMemory(rocksDbMaxBytes);
    const path = `${dir.path}/db`;
    const first = new RocksDbLocalStore(path, true, memory);
    await first.open(true);
    await first.apply({ writes, segmentOf });
    await first.close();
    const store = new RocksDbLocalStore(path, true, memory);
    cleanups.push(async () => {
      await store.close();
      dir.remove();
    });
    await store.open(false);
    return store;
  }
  const segmentOf = (key: string) => Number(key[0]);

  it('loads a segment on its first range read, then answers ranges and gets synchronously and follows commits', async () => {
    const store = await segmentedStore(
      new Map([
        ['1a', v('1')],
        ['1b', v('2')],
        ['2a', v('3')],
      ]),
    );
    const first = store.range(1, undefined, undefined, false);
    expect(first).toBeInstanceOf(Promise);
    expect(show(await first)).toEqual(['1a=1', '1b=2']);
    const second = store.range(1, '1b', undefined, false);
    expect(Array.isArray(second)).toBe(true); // no iterator any more
    expect(show(second as { key: string; value: Buffer }[])).toEqual(['1b=2']);
    expect(store.get(1, '1a')).toEqual(v('1'));
    expect(store.get(2, '2a')).toBeInstanceOf(Promise); // segment 2 was never ranged: not mirrored
    await store.apply({
      writes: new Map([
        ['1a', null],
        ['1c', v('4')],
      ]),
      segmentOf,
    });
    expect(show(store.range(1, undefined, undefined, true) as { key: string; value: Buffer }[])).toEqual([
      '1c=4',
      '1b=2',
    ]);
    await store.apply({ writes: new Map(), segmentOf, dropSegmentsBelow: 2 });
    expect(await store.range(1, undefined, undefined, false)).toEqual([]);
  });

  it('does not keep a load that overlapped a commit, and keeps serving correct data', async () => {
    const store = await segmentedStore(new Map([['1a', v('1')]]));
    const loading = store.range(1, undefined, undefined, false);
    const applying = store.apply({ writes: new Map([['1b', v('2')]]), segmentOf });
    await Promise.all([loading, applying]);
    expect(show(await store.range(1, undefined, undefined, false))).toEqual(['1a=1', '1b=2']);
  });

  it('holds all of a store created empty, segments included, until it outgrows its budget', async () => {
    const dir = tempDir('tributary-mirror');
    const store = new RocksDbLocalStore(`${dir.path}/db`, true, new RocksDbMemory(16 << 20)); // mirror: 3 MiB
    cleanups.push(async () => {
      await store.close();
      dir.remove();
    });
    await store.open(true);
    expect(store.range(7, undefined, undefined, false)).toEqual([]); // nothing there, known without RocksDB
    await store.apply({
      writes: new Map([
        ['1a', v('1')],
        ['2a', v('2')],
      ]),
      segmentOf,
    });
    expect(store.get(1, '1a')).toEqual(v('1'));
    expect(show(store.range(2, undefined, undefined, false) as { key: string; value: Buffer }[])).toEqual([
      '2a=2',
    ]);
    const big = Buffer.alloc(100_000, 1);
    const writes = new Map<string, Buffer | null>();
    for (let i = 0; i < 40; i++) writes.set(`3k${String(i).padStart(2, '0')}`, big); // 4 MB: more than the mirror
    await store.apply({ writes, segmentOf });
    const read = store.get(1, '1a');
    expect(read).toBeInstanceOf(Promise); // back to RocksDB, with the same answers
    expect(await read).toEqual(v('1'));
    expect((await store.range(3, undefined, undefined, false)).length).toBe(40);
  });

  it('leaves a segment too big for its budget on iterators', async () => {
    const big = Buffer.alloc(100_000, 1);
    const writes = new Map<string, Buffer | null>();
    for (let i = 0; i < 40; i++) writes.set(`1k${String(i).padStart(2, '0')}`, big); // 4 MB
    const store = await segmentedStore(writes, 16 << 20); // a mirror of 3 MiB
    expect((await store.range(1, undefined, undefined, false)).length).toBe(40);
    expect(store.range(1, undefined, undefined, false)).toBeInstanceOf(Promise);
    expect(store.get(1, '1k00')).toBeInstanceOf(Promise);
  });
});

describe('SegmentMirror protocol', () => {
  function gatedScan(entries: { key: string; value: Buffer }[]) {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return {
      open,
      scan: async function* () {
        await gate;
        yield entries;
      },
    };
  }

  it('does not keep a load that overlapped a change, whichever way they interleave', async () => {
    // load starts, change begins and lands, load ends: the load read around the change
    const mirror = new SegmentMirror(1 << 20);
    const first = gatedScan([{ key: 'a', value: v('old') }]);
    const loading = mirror.load(1, first.scan);
    mirror.beginChange();
    mirror.landed([[1, 'a', v('new')]]);
    first.open();
    expect(show([...((await loading)?.map ?? new Map())].map(([key, value]) => ({ key, value })))).toEqual([
      'a=old',
    ]);
    expect(mirror.segment(1)).toBeUndefined();

    // change begins, load starts, change lands, load ends
    const second = gatedScan([{ key: 'a', value: v('old') }]);
    mirror.beginChange();
    const again = mirror.load(1, second.scan);
    mirror.landed([[1, 'a', v('new')]]);
    second.open();
    await again;
    expect(mirror.segment(1)).toBeUndefined();

    // a load with no change around it is kept, and later changes update it
    const third = gatedScan([{ key: 'a', value: v('new') }]);
    const kept = mirror.load(1, third.scan);
    third.open();
    await kept;
    mirror.beginChange();
    mirror.landed([
      [1, 'b', v('2')],
      [1, 'a', null],
    ]);
    expect(show(mirroredRange(mirror.segment(1)!, undefined, undefined, false))).toEqual(['b=2']);
  });
});
