// The built-in serdes' bytes are a contract with other Kafka clients (Java's Serdes, Kafka Streams' windowed key
// serdes): fixed formats, and a clear error naming the serde and the topic for bytes or values they cannot handle.
import { Serdes } from 'tributary';
import { describe, expect, it } from 'vitest';

const hex = (b: Buffer): string => b.toString('hex');

describe('number serdes (Java Double, Long, Integer)', () => {
  it('write big-endian fixed-width bytes and read them back', () => {
    expect(hex(Serdes.double().serialize('t', 1.5))).toBe('3ff8000000000000');
    expect(hex(Serdes.long().serialize('t', 258))).toBe('0000000000000102');
    expect(hex(Serdes.long().serialize('t', -1))).toBe('ffffffffffffffff');
    expect(hex(Serdes.int().serialize('t', 258))).toBe('00000102');
    expect(hex(Serdes.int().serialize('t', -2))).toBe('fffffffe');
    for (const v of [0, -0.25, Number.MAX_VALUE, Number.NEGATIVE_INFINITY])
      expect(Serdes.double().deserialize('t', Serdes.double().serialize('t', v))).toBe(v);
    for (const v of [0, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])
      expect(Serdes.long().deserialize('t', Serdes.long().serialize('t', v))).toBe(v);
    for (const v of [0, 2147483647, -2147483648])
      expect(Serdes.int().deserialize('t', Serdes.int().serialize('t', v))).toBe(v);
  });

  it('refuse bytes of the wrong length, naming serde and topic', () => {
    expect(() => Serdes.double().deserialize('prices', Buffer.alloc(4))).toThrow(/double.*prices.*8 bytes/);
    expect(() => Serdes.long().deserialize('counts', Buffer.alloc(9))).toThrow(/long.*counts.*8 bytes/);
    expect(() => Serdes.int().deserialize('ids', Buffer.alloc(8))).toThrow(/int.*ids.*4 bytes/);
  });

  it('refuse values they cannot represent', () => {
    expect(() => Serdes.long().serialize('t', 1.5)).toThrow(/long.*safe integer/);
    expect(() => Serdes.long().serialize('t', 2 ** 60)).toThrow(/long/);
    expect(() => Serdes.int().serialize('t', 2 ** 31)).toThrow(/int.*32-bit/);
    expect(() => Serdes.double().serialize('t', '1' as unknown as number)).toThrow(/double.*number/);
    expect(() => Serdes.long().deserialize('t', Buffer.from('7fffffffffffffff', 'hex'))).toThrow(
      /MAX_SAFE_INTEGER/,
    );
  });
});

describe('Serdes.bytes and Serdes.json', () => {
  it('bytes pass through unchanged', () => {
    const b = Buffer.from([0, 1, 255]);
    expect(hex(Serdes.bytes().serialize('t', b))).toBe('0001ff');
    expect(hex(Serdes.bytes().deserialize('t', b))).toBe('0001ff');
  });

  it('json writes UTF-8 JSON text and reads it back', () => {
    const json = Serdes.json<{ a: number; s: string }>();
    const bytes = json.serialize('t', { a: 1, s: 'é' });
    expect(bytes.toString('utf8')).toBe('{"a":1,"s":"é"}');
    expect(json.deserialize('t', bytes)).toEqual({ a: 1, s: 'é' });
    expect(() => json.deserialize('events', Buffer.from('{nope'))).toThrow(/json.*events/);
  });
});

describe('windowed key serdes', () => {
  const key = { key: 'k', window: { start: 1000, end: 61_000 } };

  it('windowed: inner key, then start and end as 8-byte longs', () => {
    const bytes = Serdes.windowed(Serdes.string()).serialize('t', key);
    expect(hex(bytes)).toBe(
      `6b${(1000).toString(16).padStart(16, '0')}${(61_000).toString(16).padStart(16, '0')}`,
    );
    expect(Serdes.windowed(Serdes.string()).deserialize('t', bytes)).toEqual(key);
  });

  it("timeWindowed is Kafka Streams' TimeWindowedSerde: inner key and start; end = start + size", () => {
    const serde = Serdes.timeWindowed(Serdes.string(), 60_000);
    const bytes = serde.serialize('t', key);
    expect(hex(bytes)).toBe(`6b${(1000).toString(16).padStart(16, '0')}`);
    expect(serde.deserialize('t', bytes)).toEqual(key);
  });

  it('refuses bytes too short to hold a window', () => {
    expect(() => Serdes.windowed(Serdes.string()).deserialize('w', Buffer.alloc(15))).toThrow(
      /windowed.*w.*16 bytes/,
    );
  });
});
