import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../schemas/serdes.js';
import { KeyEncoder } from '../../../state/internals/key-encoder.js';

describe('KeyEncoder', () => {
  // The built-in string serde's ASCII keys skip the serde: the store key must still be the latin1 string of the
  // UTF-8 bytes, exactly what other keys (and changelog records) get.
  const keys = [
    '',
    'a',
    'series-42',
    'x'.repeat(100),
    'caf\u00e9',
    '\u00ff',
    'snow \u2603',
    'emoji \u{1f600}',
  ];

  it.each(keys)('encodes %j as the latin1 string of its UTF-8 bytes and decodes it back', (key) => {
    const encoder = new KeyEncoder(Serdes.string(), 'store-changelog', 'store');
    const encoded = encoder.encode(key);
    expect(encoded).toBe(Buffer.from(key, 'utf8').toString('latin1'));
    expect(encoder.decode(encoded)).toBe(key);
  });

  it('keeps byte order for mixed ASCII and non-ASCII keys', () => {
    const encoder = new KeyEncoder(Serdes.string(), 't', 's');
    const sorted = ['a', 'b\u00e9', 'bz', '\u00e9', 'z'].map((k) => encoder.encode(k)).sort();
    expect(sorted.map((k) => encoder.decode(k))).toEqual(
      ['a', 'b\u00e9', 'bz', '\u00e9', 'z'].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
    );
  });

  it('still calls other serdes', () => {
    const calls: string[] = [];
    const upper = {
      name: 'upper',
      serialize: (_t: string, v: string) => {
        calls.push(v);
        return Buffer.from(v.toUpperCase());
      },
      deserialize: (_t: string, b: Buffer) => b.toString().toLowerCase(),
    };
    const encoder = new KeyEncoder(upper, 't', 's');
    expect(encoder.encode('abc')).toBe('ABC');
    expect(encoder.decode('ABC')).toBe('abc');
    expect(calls).toEqual(['abc']);
  });
});
