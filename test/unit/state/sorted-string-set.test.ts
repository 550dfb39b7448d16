import { describe, expect, it } from 'vitest';
import { IndexedMap } from '../../../state/memory/indexed-map.js';
import { SortedStringSet } from '../../../state/memory/sorted-string-set.js';

function rangeOf(set: SortedStringSet, from?: string, to?: string, reverse = false): string[] {
  const out: string[] = [];
  set.forEachInRange(from, to, reverse, (v) => out.push(v));
  return out;
}

/** Deterministic pseudo-random strings (latin1, variable length) so a failure reproduces. */
function randomStrings(n: number, seed: number): string[] {
  let x = seed;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + (next() % 6);
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(next() % 256);
    out.push(s);
  }
  return out;
}

describe('SortedStringSet', () => {
  it('keeps bytewise order across chunk splits and deletes, forward and reverse', () => {
    const set = new SortedStringSet();
    const model = new Set<string>();
    const values = randomStrings(5000, 7);
    for (const v of values) {
      expect(set.add(v)).toBe(!model.has(v));
      model.add(v);
    }
    for (const v of values.slice(0, 2000)) {
      expect(set.delete(v)).toBe(model.has(v));
      model.delete(v);
    }
    const sorted = [...model].sort();
    expect(set.size).toBe(sorted.length);
    expect(rangeOf(set)).toEqual(sorted);
    expect(rangeOf(set, undefined, undefined, true)).toEqual([...sorted].reverse());

    for (const [from, to] of [
      ['\u0010', '\u0080'],
      ['\u00ff', undefined],
      [undefined, '\u0001'],
      ['a', 'a'],
    ] as const) {
      const expected = sorted.filter(
        (s) => (from === undefined || s >= from) && (to === undefined || s < to),
      );
      expect(rangeOf(set, from, to)).toEqual(expected);
      expect(rangeOf(set, from, to, true)).toEqual([...expected].reverse());
    }
  });

  it('orders latin1 strings like unsigned bytes (a prefix sorts first)', () => {
    const set = SortedStringSet.from(['\u00ff', 'ab', 'a', '\u0000', 'a\u0000']);
    expect(rangeOf(set)).toEqual(['\u0000', 'a', 'a\u0000', 'ab', '\u00ff']);
  });
});

describe('IndexedMap', () => {
  it('answers ranges after point writes made before and after the first range query', () => {
    const map = new IndexedMap<number>();
    map.set('b', 2);
    map.set('a', 1);
    const seen: string[] = [];
    map.forEachInRange(undefined, undefined, false, (k, v) => seen.push(`${k}${v}`));
    expect(seen).toEqual(['a1', 'b2']);
    map.set('c', 3);
    map.delete('a');
    map.set('b', 20);
    const later: string[] = [];
    map.forEachInRange('b', undefined, true, (k, v) => later.push(`${k}${v}`));
    expect(later).toEqual(['c3', 'b20']);
    expect(map.ordered).toBe(true);
  });
});
