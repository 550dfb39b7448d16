// Generated inputs of the proof tests. Timestamps strictly increase in production order across all input topics,
// so every partition sees non-decreasing times (no record is late on Kafka or in the driver) and the driver, fed in
// production order, interleaves topics by event time as a task does. Inputs with windows or punctuation end with one
// closing record per input partition, far in the future: every partition's stream time passes the last window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysPerPartition, random } from './differential.js';
import type { InputRecord } from './kafka-io.js';

/**
 * Event times start two hours ago (on a minute boundary) and, closing records included, stay in the past: brokers
 * delete records older than their retention (7 days by default; a fixed date would age out and the input could
 * vanish mid-test, as it did on a fresh cluster) and Kafka 4 rejects timestamps more than an hour in the future.
 */
export const START_MS = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;

/** Half an hour after the last record: past every window and bucket of the proof topologies, and not in the future. */
function closingTime(lastMs: number): number {
  const at = lastMs + 1_800_000;
  if (at > Date.now()) throw new Error('workload too long: its closing records would lie in the future');
  return at;
}

export interface ReadingsOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly count: number;
  readonly keys: number;
  readonly groups: number;
  /** Event time between consecutive records. */
  readonly stepMs: number;
  readonly seed: number;
}

/** Readings for support/topologies/aggregates.ts, then the closing records. */
export function readings(o: ReadingsOptions): InputRecord[] {
  const rnd = random(o.seed);
  const out: InputRecord[] = [];
  for (let n = 0; n < o.count; n++) {
    const key = `sensor-${Math.floor(rnd() * o.keys)}`;
    const value = { n, group: `g${Math.floor(rnd() * o.groups)}`, amount: Math.floor(rnd() * 100) };
    out.push({ topic: o.topic, key, value: JSON.stringify(value), timestamp: START_MS + n * o.stepMs });
  }
  const closeAt = closingTime(START_MS + o.count * o.stepMs);
  for (const key of keysPerPartition('closing', o.partitions)) {
    out.push({
      topic: o.topic,
      key,
      value: JSON.stringify({ n: -1, group: 'closing', amount: 0 }),
      timestamp: closeAt,
    });
  }
  return out;
}

export interface JoinWorkloadOptions {
  readonly orders: string;
  readonly profiles: string;
  readonly count: number;
  readonly customers: number;
  /** Share of records that are profile updates. */
  readonly updateShare: number;
  readonly seed: number;
}

/** Orders and profile updates of the same customers, interleaved; some customers never get a profile. */
export function ordersAndProfiles(o: JoinWorkloadOptions): InputRecord[] {
  const rnd = random(o.seed);
  const out: InputRecord[] = [];
  const versions = new Map<string, number>();
  for (let n = 0; n < o.count; n++) {
    const timestamp = START_MS + n * 10;
    const customer = `c${Math.floor(rnd() * o.customers)}`;
    // Customers with a number divisible by 7 never have a profile: their orders join with null.
    const canHaveProfile = Number(customer.slice(1)) % 7 !== 0;
    if (canHaveProfile && rnd() < o.updateShare) {
      const v = (versions.get(customer) ?? 0) + 1;
      versions.set(customer, v);
      out.push({ topic: o.profiles, key: customer, value: `${customer}-v${v}`, timestamp });
    } else {
      out.push({ topic: o.orders, key: customer, value: `order-${n}`, timestamp });
    }
  }
  return out;
}

export interface EventsOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly count: number;
  readonly keys: number;
  readonly stepMs: number;
  readonly seed: number;
}

/** Plain keyed events for support/topologies/punctuate.ts, then the closing records. */
export function events(o: EventsOptions): InputRecord[] {
  const rnd = random(o.seed);
  const out: InputRecord[] = [];
  for (let n = 0; n < o.count; n++) {
    out.push({
      topic: o.topic,
      key: `k${Math.floor(rnd() * o.keys)}`,
      value: `e${n}`,
      timestamp: START_MS + n * o.stepMs,
    });
  }
  const closeAt = START_MS + o.count * o.stepMs + 3_600_000;
  for (const key of keysPerPartition('closing', o.partitions))
    out.push({ topic: o.topic, key, value: 'close', timestamp: closeAt });
  return out;
}

/** Temporary state directories, removed by cleanup(). */
export class TempDirs {
  readonly #dirs: string[] = [];

  create(prefix = 'tributary-proof-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
