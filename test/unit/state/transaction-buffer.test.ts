import { describe, expect, it } from 'vitest';
import { TransactionBuffer } from '../../../state/internals/transaction-buffer.js';

const b = (s: string) => Buffer.from(s);
const text = (v: Buffer | null | undefined) =>
  v === undefined ? undefined : v === null ? null : v.toString();

/** What applying the buffer in order (as local state does) leaves per key. */
function applied(buffer: TransactionBuffer): Map<string, string | null> {
  const out = new Map<string, string | null>();
  buffer.forEach((value, key) => {
    out.set(key, text(value) as string | null);
  });
  return out;
}

function inRange(
  buffer: TransactionBuffer,
  from?: string,
  to?: string,
  reverse = false,
): [string, string | null][] {
  const out: [string, string | null][] = [];
  buffer.forEachInRange(from, to, reverse, (key, value) => out.push([key, text(value) as string | null]));
  return out;
}

describe('TransactionBuffer', () => {
  // Lookups scan a short log, index a longer one: both must see the newest write of a key written several times.
  it.each([2, 8, 9, 100])(
    'a lookup finds the newest write of each key (%i keys, each written 3 times)',
    (count) => {
      const buffer = new TransactionBuffer();
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < count; i++)
          buffer.set(`k${i}`, round === 2 && i % 2 === 0 ? null : b(`v${i}.${round}`));
      }
      for (let i = 0; i < count; i++) expect(text(buffer.get(`k${i}`))).toBe(i % 2 === 0 ? null : `v${i}.2`);
      expect(buffer.get('absent')).toBeUndefined();
      const expected = new Map(
        Array.from({ length: count }, (_, i) => [`k${i}`, i % 2 === 0 ? null : `v${i}.2`] as const),
      );
      expect(applied(buffer)).toEqual(expected);
    },
  );

  it('keeps each key once, at its first position, once indexed; writes after the index overwrite in place', () => {
    const buffer = new TransactionBuffer();
    for (let i = 0; i < 20; i++) buffer.set(`k${i % 10}`, b(`v${i}`));
    expect(buffer.size).toBe(20); // not indexed yet: every write kept in order
    expect(text(buffer.get('k3'))).toBe('v13'); // indexes
    expect(buffer.size).toBe(10);
    buffer.set('k3', b('late'));
    buffer.set('new', b('n'));
    const keys: string[] = [];
    buffer.forEach((_v, key) => {
      keys.push(key);
    });
    expect(keys).toEqual([...Array.from({ length: 10 }, (_, i) => `k${i}`), 'new']);
    expect(text(buffer.get('k3'))).toBe('late');
  });

  it('indexes a long log by itself, so that superseded writes of hot keys are not all kept', () => {
    const buffer = new TransactionBuffer();
    for (let i = 0; i < 100_000; i++) buffer.set(`hot${i % 3}`, b(String(i)));
    expect(buffer.size).toBeLessThanOrEqual(16_384);
    expect(applied(buffer)).toEqual(
      new Map([
        ['hot0', '99999'],
        ['hot1', '99997'],
        ['hot2', '99998'],
      ]),
    );
  });

  it('visits the newest write per key in range, in key order either way, and keeps the order after more writes', () => {
    const buffer = new TransactionBuffer();
    for (const key of ['d', 'b', 'a', 'c', 'b', 'e']) buffer.set(key, b(key + buffer.size));
    buffer.set('a', null);
    expect(inRange(buffer)).toEqual([
      ['a', null],
      ['b', 'b4'],
      ['c', 'c3'],
      ['d', 'd0'],
      ['e', 'e5'],
    ]);
    expect(inRange(buffer, 'b', 'e', true).map(([k]) => k)).toEqual(['d', 'c', 'b']);
    buffer.set('bb', b('x'));
    buffer.set('c', b('c-new'));
    expect(inRange(buffer, 'b', 'd')).toEqual([
      ['b', 'b4'],
      ['bb', 'x'],
      ['c', 'c-new'],
    ]);
    const single = new TransactionBuffer();
    single.set('m', b('1'));
    expect(inRange(single, 'a', 'z')).toEqual([['m', '1']]);
    expect(inRange(single, 'n')).toEqual([]);
  });

  it('take() hands the writes over and leaves an empty buffer; setAll appends newer writes', () => {
    const buffer = new TransactionBuffer();
    buffer.set('a', b('1'));
    buffer.set('b', b('2'));
    const taken = buffer.take();
    expect(buffer.size).toBe(0);
    expect(buffer.get('a')).toBeUndefined();
    buffer.set('a', b('3'));
    buffer.set('c', null);
    taken.setAll(buffer);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(applied(taken)).toEqual(
      new Map([
        ['a', '3'],
        ['b', '2'],
        ['c', null],
      ]),
    );
    expect(text(taken.get('a'))).toBe('3');
  });

  // A cleared buffer is reused by the next transaction (in-memory stores commit by clearing it): nothing of the
  // previous one may show through, whether the buffer was scanned, indexed or compacted by its index.
  it.each([3, 20, 5000])(
    'after clear() a reused buffer holds only the new writes (%i writes before)',
    (count) => {
      const buffer = new TransactionBuffer();
      for (let i = 0; i < count; i++) buffer.set(`old${i % Math.max(2, count / 2)}`, b(`x${i}`));
      expect(text(buffer.get('old1'))).not.toBeUndefined(); // indexes the longer logs (and drops superseded writes)
      buffer.clear();
      expect(buffer.size).toBe(0);
      expect(buffer.get('old1')).toBeUndefined();
      expect(applied(buffer)).toEqual(new Map());
      buffer.set('new', b('1'));
      buffer.set('old0', null);
      expect(buffer.size).toBe(2);
      expect(buffer.get('old1')).toBeUndefined();
      expect(applied(buffer)).toEqual(
        new Map<string, string | null>([
          ['new', '1'],
          ['old0', null],
        ]),
      );
      expect(inRange(buffer)).toEqual([
        ['new', '1'],
        ['old0', null],
      ]);
    },
  );
});
