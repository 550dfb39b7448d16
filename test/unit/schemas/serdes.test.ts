import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../schemas/serdes.js';

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

  it('rejects a value that is not a string as Buffer.from does', () => {
    expect(() => serde.serialize('t', 42 as unknown as string)).toThrow(TypeError);
  });
});
