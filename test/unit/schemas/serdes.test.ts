import { describe, expect, it } from 'vitest';
import type { Serde } from '../../../schemas/serde.js';
import { prefixedSerializer, Serdes } from '../../../schemas/serdes.js';

describe('Serdes.string', () => {
  const serde = Serdes.string();
  // Short ASCII strings take a copy loop, everything else Buffer.from: both must write UTF-8, byte for byte.
  const samples = [
    '',
    'a',
    'series-123',
    'x'.repeat(24),
    'x'.repeat(25),
    'y'.repeat(300),
    'caf\u00e9',
    '\u00ff\u0100',
    'snow \u2603 man',
    'emoji \u{1f600}',
    'lone \ud800 surrogate',
    `${'a'.repeat(23)}\u00e9`,
    '\u007f\u0000\u0001',
  ];

  it.each(samples)('writes the UTF-8 bytes of %j and reads them back', (text) => {
    const bytes = serde.serialize('t', text);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(serde.deserialize('t', bytes)).toBe(Buffer.from(text, 'utf8').toString('utf8'));
  });

  it('gives every call its own Buffer', () => {
    const a = serde.serialize('t', 'abc');
    const b = serde.serialize('t', 'abc');
    a[0] = 0x7a;
    expect(b.toString()).toBe('abc');
  });

  // Reading the bytes of the string written or read last is a comparison, not a decode: it must give what decoding
  // gives for any bytes, including a Buffer changed after it was written and bytes that are not valid UTF-8.
  it('reads any bytes as UTF-8 decoding does, right after writing or reading a string of the same length', () => {
    const decode = (b: Buffer) => Buffer.from(b).toString('utf8');
    const written = serde.serialize('t', 'series-42');
    written[0] = 0x53; // 'S'
    expect(serde.deserialize('t', written)).toBe('Series-42');
    const cases: Buffer[] = [
      Buffer.from('series-43'),
      Buffer.from([0xff, 0x65, 0x72, 0x69, 0x65, 0x73, 0x2d, 0x34, 0x33]), // invalid first byte, then 'eries-43'
      Buffer.from([0xc3, 0xa9, 0x72, 0x69, 0x65, 0x73, 0x2d, 0x34, 0x33]), // 'é' (2 bytes), then 'ries-43'
      Buffer.from('series-43'),
    ];
    // 'é' read from its two UTF-8 bytes, then the single byte 0xe9 (its char code, invalid UTF-8 on its own).
    expect(serde.deserialize('t', Buffer.from('\u00e9'))).toBe('\u00e9');
    expect(serde.deserialize('t', Buffer.from([0xe9]))).toBe('\ufffd');
    for (const before of ['series-43', '\ufffdeeries-43']) {
      for (const bytes of cases) {
        serde.serialize('t', before);
        expect(serde.deserialize('t', bytes)).toBe(decode(bytes));
        serde.deserialize('t', Buffer.from(before));
        expect(serde.deserialize('t', bytes)).toBe(decode(bytes));
      }
    }
  });

  it('rejects a value that is not a string as Buffer.from does', () => {
    expect(() => serde.serialize('t', 42 as unknown as string)).toThrow(TypeError);
  });
});

describe('Serdes.json', () => {
  const serde = Serdes.json<unknown>();
  // Short ASCII texts take a copy loop, everything else Buffer.byteLength and a write: both must write UTF-8.
  const samples: unknown[] = [
    { count: 3, sum: 41.5 },
    'caf\u00e9',
    { text: 'snow \u2603 man', emoji: '\u{1f600}' },
    { long: 'z'.repeat(100) },
    [1, null, true],
    0,
  ];

  it.each(samples)('writes the UTF-8 bytes of JSON.stringify(%j) and reads them back', (value) => {
    const bytes = serde.serialize('t', value);
    expect(bytes.equals(Buffer.from(JSON.stringify(value), 'utf8'))).toBe(true);
    expect(serde.deserialize('t', bytes)).toEqual(value);
  });

  it('names the serde and the topic when a value has no JSON form', () => {
    expect(() => serde.serialize('t', undefined)).toThrow(
      /json serde \(topic 't'\): cannot serialize undefined/,
    );
  });
});

describe('prefixedSerializer (timestamped store values)', () => {
  const custom: Serde<string> = {
    name: 'reversed',
    serialize: (_topic, data) => Buffer.from([...data].reverse().join(''), 'utf8'),
    deserialize: (_topic, data) => [...data.toString('utf8')].reverse().join(''),
  };
  const cases: [string, Serde<never>, unknown[]][] = [
    ['string', Serdes.string() as unknown as Serde<never>, ['', 'series-1', 'caf\u00e9', 'q'.repeat(80)]],
    ['double', Serdes.double() as unknown as Serde<never>, [0, -1.5, 1e300]],
    ['long', Serdes.long() as unknown as Serde<never>, [0, -1, 2 ** 40 + 7]],
    ['int', Serdes.int() as unknown as Serde<never>, [0, -7, 2147483647]],
    [
      'json',
      Serdes.json() as unknown as Serde<never>,
      [{ count: 1, sum: 2 }, 'caf\u00e9', { a: 'b'.repeat(70) }],
    ],
    ['bytes', Serdes.bytes() as unknown as Serde<never>, [Buffer.from([1, 2, 3]), Buffer.alloc(0)]],
    ['a serde of its own', custom as unknown as Serde<never>, ['abc', 'x\u00e9y']],
  ];

  it.each(cases)('%s: the prefix, then exactly the bytes serialize() writes', (_name, serde, values) => {
    const serialize = prefixedSerializer(serde, 8);
    for (const value of values as never[]) {
      const out = serialize('t', value);
      const plain = serde.serialize('t', value);
      expect(out.length).toBe(8 + plain.length);
      expect(out.subarray(8).equals(plain)).toBe(true);
    }
  });

  it('validates values as serialize() does', () => {
    expect(() => prefixedSerializer(Serdes.long(), 8)('t', 1.5)).toThrow(/long serde/);
    expect(() => prefixedSerializer(Serdes.double(), 8)('t', 'x' as unknown as number)).toThrow(
      /double serde/,
    );
  });
});

describe('Serdes.double', () => {
  const serde = Serdes.double();
  const samples = [
    0,
    -0,
    1,
    -1.5,
    Math.PI,
    1e300,
    -1e-300,
    5e-324,
    Number.MAX_VALUE,
    Infinity,
    -Infinity,
    NaN,
  ];

  it.each(samples)(
    'writes %d as Java DoubleSerializer does (8 bytes, big-endian IEEE 754) and reads it back',
    (v) => {
      const expected = Buffer.alloc(8);
      expected.writeDoubleBE(v, 0);
      const bytes = serde.serialize('t', v);
      expect(bytes.equals(expected)).toBe(true);
      expect(Object.is(serde.deserialize('t', bytes), v)).toBe(true);
    },
  );

  it('gives every call its own Buffer', () => {
    const a = serde.serialize('t', 1);
    const b = serde.serialize('t', 2);
    expect(serde.deserialize('t', a)).toBe(1);
    expect(serde.deserialize('t', b)).toBe(2);
  });
});
