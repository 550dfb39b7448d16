// Global stores and their checkpoint: a worker restarted on its state directory reads only the records its persistent
// global store had not applied (new rows, updates and a tombstone written while it was down), and the store holds
// exactly what the topic says. A corrupt checkpoint, or one whose offset the topic's log no longer reaches (records
// deleted), wipes the store and rebuilds it from what the topic holds.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ReadOnlyKeyValueStore, Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { produce, restoreCounter, StateDirs, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();
const STORE = 'regions-store';
const PARTITIONS = 3;

afterAll(() => dirs.cleanup());

function topology(regions: string, input: string, output: string) {
  const builder = new StreamsBuilder();
  const table = builder.globalTable(regions, { key: S, value: S, name: STORE });
  builder
    .stream(input, { key: S, value: S })
    .join(
      table,
      (_id, region) => region,
      (value, region) => `${value}@${region}`,
    )
    .to(output, { key: S, value: S });
  return builder.build();
}

/** One run of the worker: what it restored before RUNNING, per partition, and the global store's contents then. */
async function run(
  applicationId: string,
  stateDir: string,
  names: { regions: string; input: string; output: string },
) {
  const counter = restoreCounter();
  const worker = new Worker(topology(names.regions, names.input, names.output), {
    applicationId,
    stateDir,
    restoreListener: counter.listener,
  });
  await worker.start();
  await worker.waitFor('RUNNING');
  const restored = counter.total();
  const perPartition = new Map(counter.restored);
  const store = worker.streams.store<ReadOnlyKeyValueStore<string, string>>(STORE);
  const contents = new Map<string, string>();
  for await (const { key, value } of store.all()) contents.set(key, value);
  const metric = worker.streams
    .metrics()
    .filter((m) => m.name === 'global-restore-records-total')
    .reduce((sum, m) => sum + m.value, 0);
  await worker.close();
  expect(worker.errors).toEqual([]);
  return { restored, perPartition, contents, metric };
}

async function setup() {
  const names = {
    regions: uniqueName('regions'),
    input: uniqueName('sites'),
    output: uniqueName('sites-out'),
  };
  await createTopics(kafka, [
    { topic: names.regions, numPartitions: PARTITIONS },
    { topic: names.input, numPartitions: 1 },
    { topic: names.output, numPartitions: 1 },
  ]);
  return names;
}

const rows = (from: number, to: number, tag = 'r') =>
  Array.from({ length: to - from }, (_, i) => ({ key: `k-${from + i}`, value: `${tag}${from + i}` }));

function expected(entries: Array<{ key: string; value: string | null }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const { key, value } of entries) {
    if (value === null) out.delete(key);
    else out.set(key, value);
  }
  return out;
}

describe('KafkaStreams global store checkpoint', () => {
  it('a restart restores only the tail written meanwhile (new rows, an update, a tombstone); contents exact', async () => {
    const names = await setup();
    const applicationId = uniqueName('global-restore-app');
    const stateDir = dirs.create();
    const first = rows(0, 30);
    await produce(names.regions, first);

    const a = await run(applicationId, stateDir, names);
    expect(a.restored).toBe(30);
    expect(a.metric).toBe(30);
    expect(a.contents).toEqual(expected(first));
    expect([...a.perPartition.keys()].sort()).toEqual([`${STORE}/0`, `${STORE}/1`, `${STORE}/2`]);

    // While the worker is down: 4 new rows, an update and a tombstone.
    const tail = [...rows(30, 34), { key: 'k-3', value: 'moved' }, { key: 'k-5', value: null }];
    await produce(names.regions, tail);

    const b = await run(applicationId, stateDir, names);
    expect(b.restored).toBe(tail.length);
    expect(b.metric).toBe(tail.length);
    expect(b.contents).toEqual(expected([...first, ...tail]));
    expect(b.contents.has('k-5')).toBe(false);
    expect(b.contents.get('k-3')).toBe('moved');

    // Nothing written since: nothing restored.
    const c = await run(applicationId, stateDir, names);
    expect(c.restored).toBe(0);
    expect(c.contents).toEqual(b.contents);
  });

  it('a corrupt checkpoint wipes the global store and rebuilds it from the whole topic', async () => {
    const names = await setup();
    const applicationId = uniqueName('global-corrupt-app');
    const stateDir = dirs.create();
    const all = [...rows(0, 20), { key: 'k-2', value: null }];
    await produce(names.regions, all);
    const a = await run(applicationId, stateDir, names);
    expect(a.restored).toBe(all.length);

    writeFileSync(join(stateDir, applicationId, 'global', '.checkpoint'), '{"format":"tributary-checkpoint"');
    const b = await run(applicationId, stateDir, names);
    expect(b.restored).toBe(all.length);
    expect(b.contents).toEqual(expected(all));
  });

  it('a checkpoint below the log start (records deleted meanwhile) rebuilds from what the topic still holds', async () => {
    const names = await setup();
    const applicationId = uniqueName('global-range-app');
    const stateDir = dirs.create();
    // Everything in partition 0, so that deleting its records is easy to reason about.
    const before = rows(0, 10).map((r) => ({ ...r, partition: 0 }));
    await produce(names.regions, before);
    const a = await run(applicationId, stateDir, names);
    expect(a.restored).toBe(10);

    // While down: 5 more rows, then the first 12 records of the partition deleted (the log starts at 12 > 10).
    const after = rows(10, 15).map((r) => ({ ...r, partition: 0 }));
    await produce(names.regions, after);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopicRecords({ topic: names.regions, partitions: [{ partition: 0, offset: '12' }] });
    } finally {
      await admin.disconnect();
    }

    const b = await run(applicationId, stateDir, names);
    // Rebuilt from offset 12: the rows the topic no longer holds are gone from the store too.
    expect(b.restored).toBe(3);
    expect(b.contents).toEqual(expected(rows(12, 15)));
  });
});
