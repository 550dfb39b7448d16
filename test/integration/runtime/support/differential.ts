// The differential proof: the same input through the TopologyTestDriver (in memory, the reference) and through
// workers on Kafka; the committed output must be the same record for record, per key. Across keys the order differs
// legitimately (partitions, and per-partition stream time instead of the driver's single task), within a key it
// must not: a key lives in one partition of an output topic.
import { type Topology, TopologyTestDriver } from 'tributary';
import { partitionForKey } from '../../../../runtime/kafka/murmur2.js';
import { Serdes } from '../../../../schemas/serdes.js';
import type { InputRecord } from './kafka-io.js';

export interface OutputRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

const B = Serdes.bytes();
const buf = (s: string | null) => (s === null ? null : Buffer.from(s));

/** Runs `records` through the driver in order (all inputs interleaved as given) and returns each output topic. */
export async function driverOutputs(
  topology: Topology,
  records: readonly InputRecord[],
  outputs: readonly string[],
): Promise<Map<string, OutputRecord[]>> {
  const driver = new TopologyTestDriver(topology);
  try {
    await driver.init();
    const topics = new Map<string, ReturnType<typeof driver.createInputTopic<Buffer, Buffer>>>();
    // Consecutive records of one topic go as one list (no promise per record).
    let run: InputRecord[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const topic = run[0].topic;
      let input = topics.get(topic);
      if (!input) {
        input = driver.createInputTopic<Buffer, Buffer>(topic, B, B);
        topics.set(topic, input);
      }
      await input.pipeRecordList(
        run.map((r) => ({ key: buf(r.key), value: buf(r.value), timestamp: r.timestamp })),
      );
      run = [];
    };
    for (const r of records) {
      if (run.length > 0 && run[0].topic !== r.topic) await flush();
      run.push(r);
    }
    await flush();
    const result = new Map<string, OutputRecord[]>();
    for (const topic of outputs) {
      const out = driver.createOutputTopic<Buffer, Buffer>(topic, B, B);
      result.set(
        topic,
        out.readRecordsToList().map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
      );
    }
    return result;
  } finally {
    await driver.close();
  }
}

const show = (b: Buffer | null) => {
  if (b === null) return 'null';
  const text = b.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : `0x${b.toString('hex')}`;
};

/** Per key (shown as text, or hex for binary keys), the records in order. */
export function byKey(records: readonly OutputRecord[]): Map<string, OutputRecord[]> {
  const out = new Map<string, OutputRecord[]>();
  for (const r of records) {
    const k = show(r.key);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export interface Comparison {
  readonly equal: boolean;
  readonly expectedRecords: number;
  readonly actualRecords: number;
  /** Human-readable differences (first few keys). */
  readonly differences: string[];
}

/**
 * Compares per key. `timestamps: 'exact'` (default): value and timestamp sequences must be equal. `'latest'`: the
 * value sequences must be equal and so must the last record's timestamp - for aggregations behind a repartition
 * topic, where records of one key coming from different input partitions interleave in an order nothing defines
 * (on Kafka as in Kafka Streams): the counts are still 1..n, but each result carries the largest input timestamp so
 * far, which depends on that order; only the last one (the largest of all) does not.
 */
export function compareByKey(
  expected: readonly OutputRecord[],
  actual: readonly OutputRecord[],
  options: { timestamps?: 'exact' | 'latest'; maxDifferences?: number } = {},
): Comparison {
  const e = byKey(expected);
  const a = byKey(actual);
  const differences: string[] = [];
  const max = options.maxDifferences ?? 5;
  const fmt = (list: readonly OutputRecord[] | undefined) => {
    if (!list) return '(no records)';
    const shown = list.slice(0, 12).map((r) => `${show(r.value)}@${r.timestamp}`);
    return `${list.length} records: ${shown.join(', ')}${list.length > 12 ? ', ...' : ''}`;
  };
  for (const key of new Set([...e.keys(), ...a.keys()])) {
    const x = e.get(key) ?? [];
    const y = a.get(key) ?? [];
    const values = (l: readonly OutputRecord[]) => l.map((r) => show(r.value)).join('\n');
    const stamps = (l: readonly OutputRecord[]) =>
      (options.timestamps === 'latest' ? l.slice(-1) : l).map((r) => r.timestamp).join(',');
    if (values(x) !== values(y) || stamps(x) !== stamps(y)) {
      if (differences.length < max)
        differences.push(`key ${key}:\n  driver ${fmt(e.get(key))}\n  kafka  ${fmt(a.get(key))}`);
      else if (differences.length === max) differences.push('...');
    }
  }
  return {
    equal: differences.length === 0,
    expectedRecords: expected.length,
    actualRecords: actual.length,
    differences,
  };
}

/** A message for a failed comparison (or '' when equal). */
export function explain(topic: string, c: Comparison): string {
  return c.equal
    ? ''
    : `${topic}: driver ${c.expectedRecords} records, kafka ${c.actualRecords}\n${c.differences.join('\n')}`;
}

/** Deterministic pseudo-random numbers (LCG), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A key per partition (`<prefix>-<i>` for the first i landing there), for records every partition must see. */
export function keysPerPartition(prefix: string, partitions: number): string[] {
  const keys: string[] = new Array(partitions);
  let found = 0;
  for (let i = 0; found < partitions; i++) {
    const key = `${prefix}-${i}`;
    const p = partitionForKey(Buffer.from(key), partitions);
    if (keys[p] === undefined) {
      keys[p] = key;
      found++;
    }
  }
  return keys;
}
