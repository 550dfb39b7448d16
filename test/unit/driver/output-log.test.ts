// The driver's per-topic output log keeps records as bytes in a reused arena: what a test reads must be exactly what
// the sinks wrote, in order, however reads and writes interleave (compaction and growth move the bytes around).
import { describe, expect, it } from 'vitest';
import { OutputLog, type OutputRecordMaker } from '../../../runtime/driver/output-log.js';
import type { OutputRecord } from '../../../runtime/engine/record-collector.js';

function record(i: number): OutputRecord {
  // Sizes vary from empty to well past the arena's first 64 KB, nulls included.
  const key = i % 7 === 0 ? null : Buffer.from(`key-${i}`);
  const size = i % 50 === 0 ? 20_000 + i : i % 40;
  const value = i % 11 === 0 ? null : i % 13 === 0 ? Buffer.alloc(0) : Buffer.alloc(size, i % 256);
  return {
    topic: 'out',
    partition: i % 5 === 0 ? i % 3 : undefined,
    key,
    value,
    timestamp: i % 2 === 0 ? i : 1_700_000_000_000 + i,
    headers: i % 3 === 0 ? { h: `v${i}` } : {},
  };
}

/** Reads back what was appended, as an OutputRecord. */
const asRecord: OutputRecordMaker<OutputRecord> = (key, value, timestamp, headers, partition) => ({
  topic: 'out',
  partition,
  key,
  value,
  timestamp,
  headers,
});

describe('OutputLog', () => {
  it('gives back every record once, in order, with its bytes, across partial reads, writes and growth', () => {
    const log = new OutputLog('out');
    const expected: OutputRecord[] = [];
    const read: OutputRecord[] = [];
    let next = 0;
    // Uneven bursts of writes and reads: the log is sometimes drained, mostly not.
    for (let round = 0; round < 60; round++) {
      const writes = (round * 7919) % 700;
      for (let w = 0; w < writes; w++) {
        const r = record(next++);
        expected.push(r);
        log.append(r);
      }
      expect(log.size).toBe(expected.length - read.length);
      const max = round % 4 === 0 ? Number.POSITIVE_INFINITY : (round * 31) % 500;
      read.push(...log.take(max, asRecord));
    }
    read.push(...log.take(Number.POSITIVE_INFINITY, asRecord));
    expect(log.size).toBe(0);
    // Compared as text: deep equality of ~20k Buffers element by element takes tens of seconds.
    const text = (r: OutputRecord) =>
      JSON.stringify([
        r.topic,
        r.partition ?? 'none',
        r.key?.toString('hex') ?? null,
        r.value?.toString('hex') ?? null,
        r.timestamp,
        r.headers,
      ]);
    expect(read.length).toBe(expected.length);
    expect(read.map(text)).toEqual(expected.map(text));
  });

  it('hands out Buffers of their own: later writes do not change records already read', () => {
    const log = new OutputLog('out');
    log.append({
      topic: 'out',
      key: Buffer.from('a'),
      value: Buffer.from('first'),
      timestamp: 1,
      headers: {},
    });
    const [first] = log.take(1, asRecord);
    for (let i = 0; i < 10_000; i++) {
      log.append({
        topic: 'out',
        key: Buffer.from('b'),
        value: Buffer.from('other'),
        timestamp: 2,
        headers: {},
      });
    }
    expect(first.key?.toString()).toBe('a');
    expect(first.value?.toString()).toBe('first');
    expect(log.take(Number.POSITIVE_INFINITY, asRecord)).toHaveLength(10_000);
  });

  it('keeps a copy of the bytes: a sink reusing its Buffer after sending does not change what was written', () => {
    const log = new OutputLog('out');
    const value = Buffer.from('one');
    log.append({ topic: 'out', key: null, value, timestamp: 0, headers: {} });
    value.write('two');
    expect(log.take(1, asRecord)[0].value?.toString()).toBe('one');
  });

  it('when making a record throws, that record and those before it are consumed and the rest stay', () => {
    const log = new OutputLog('out');
    for (let i = 0; i < 5; i++) log.append(record(i + 1));
    const failOnThird: OutputRecordMaker<string> = (_key, value, timestamp) => {
      if (timestamp === 1_700_000_000_003) throw new Error('cannot decode');
      return `${timestamp}:${value?.length}`;
    };
    expect(() => log.take(Number.POSITIVE_INFINITY, failOnThird)).toThrow('cannot decode');
    expect(log.size).toBe(2);
    expect(log.take(Number.POSITIVE_INFINITY, asRecord).map((r) => r.timestamp)).toEqual([
      4, 1_700_000_000_005,
    ]);
    log.append(record(6));
    expect(log.take(1, asRecord)[0].timestamp).toBe(6);
  });
});
