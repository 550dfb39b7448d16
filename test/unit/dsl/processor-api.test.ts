import {
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  Serdes,
  Stores,
  type StreamRecord,
  StreamsBuilder,
  TopologyTestDriver,
} from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const L = Serdes.long();

/** Counts per key in a store and emits every count; punctuates the totals on stream and wall-clock time. */
class CountingProcessor implements Processor<string, string, string, number> {
  private ctx!: ProcessorContext<string, number>;
  private store!: KeyValueStore<string, number>;

  constructor(private readonly punctuations: string[]) {}

  init(context: ProcessorContext<string, number>): void {
    this.ctx = context;
    this.store = context.getStateStore<KeyValueStore<string, number>>('counts');
    context.schedule(10, 'stream-time', (ts) => {
      this.punctuations.push(`stream@${ts}`);
    });
    context.schedule(1000, 'wall-clock-time', (ts) => {
      this.punctuations.push(`wall@${ts}`);
    });
  }

  async process(record: StreamRecord<string, string>): Promise<void> {
    const count = ((await this.store.get(record.key)) ?? 0) + 1;
    this.store.put(record.key, count);
    await this.ctx.forward({ ...record, value: count });
  }
}

function topology(punctuations: string[]) {
  const builder = new StreamsBuilder();
  builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), S, L));
  builder
    .stream('in', { key: S, value: S })
    .process(() => new CountingProcessor(punctuations), { stores: ['counts'], name: 'counter' })
    .to('out', { key: S, value: L });
  return builder.build();
}

describe('Processor API', () => {
  it('processors read and write connected stores and forward downstream (async process)', async () => {
    const driver = new TopologyTestDriver(topology([]));
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'y', 2);
    await input.pipeInput('b', 'z', 3);
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'a', value: 2 },
      { key: 'b', value: 1 },
    ]);
    expect(await driver.getKeyValueStore<string, number>('counts').get('a')).toBe(2);
    await driver.close();
  });

  it('stream-time punctuation fires with the first record, then at interval multiples, skipping missed ones', async () => {
    const punctuations: string[] = [];
    const driver = new TopologyTestDriver(topology(punctuations));
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x', 3); // first punctuation at stream time 3 (schedule aligned to 0)
    await input.pipeInput('a', 'x', 9); // not yet: next due at 10
    await input.pipeInput('a', 'x', 10); // due
    await input.pipeInput('a', 'x', 5); // out of order: stream time stays 10
    await input.pipeInput('a', 'x', 47); // one punctuation, not three
    await input.pipeInput('a', 'x', 49);
    await input.pipeInput('a', 'x', 50);
    expect(punctuations.filter((p) => p.startsWith('stream'))).toEqual([
      'stream@3',
      'stream@10',
      'stream@47',
      'stream@50',
    ]);
    await driver.close();
  });

  it('wall-clock punctuation fires only when the mocked clock advances past the interval', async () => {
    const punctuations: string[] = [];
    const driver = new TopologyTestDriver(topology(punctuations), { startTimeMs: 100_000 });
    await driver.init();
    await driver.advanceWallClockTime(999);
    expect(punctuations).toEqual([]);
    await driver.advanceWallClockTime(1);
    expect(punctuations).toEqual(['wall@101000']);
    await driver.advanceWallClockTime(5000); // several intervals at once: fires once, like Kafka Streams' driver
    expect(punctuations).toEqual(['wall@101000', 'wall@106000']);
    await driver.close();
  });

  it('a cancelled schedule stops firing; recordMetadata names the input record', async () => {
    const seen: string[] = [];
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .process<string, string>(() => {
        let ctx: ProcessorContext<string, string>;
        return {
          init(c) {
            ctx = c;
            const schedule = c.schedule(5, 'stream-time', (ts) => {
              seen.push(`punctuate@${ts}`);
              if (ts >= 5) schedule.cancel();
            });
          },
          process(r) {
            const md = ctx.recordMetadata();
            seen.push(`${md?.topic}-${md?.partition}@${md?.offset}:${r.value}`);
          },
        };
      })
      .to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'a', 1);
    await input.pipeInput('k', 'b', 6);
    await input.pipeInput('k', 'c', 20);
    expect(seen).toEqual(['in-0@0:a', 'punctuate@1', 'in-0@1:b', 'punctuate@6', 'in-0@2:c']);
    await driver.close();
  });

  it('forward to a named child reaches only that child', async () => {
    const builder = new StreamsBuilder();
    const routed = builder.stream('in', { key: S, value: S }).process<string, string>(
      () => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => {
            ctx = c;
          },
          process: (r) => ctx.forward(r, r.value === 'left' ? 'left-sink' : 'right-sink'),
        };
      },
      { name: 'router' },
    );
    routed.to('left', { key: S, value: S, name: 'left-sink' });
    routed.to('right', { key: S, value: S, name: 'right-sink' });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'left');
    await input.pipeInput('k', 'right');
    expect(driver.createOutputTopic('left', S, S).readValuesToList()).toEqual(['left']);
    expect(driver.createOutputTopic('right', S, S).readValuesToList()).toEqual(['right']);
    await driver.close();
  });

  it('keeps depth-first order when an async processor forwards several records without awaiting', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .process<string, string>(() => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => {
            ctx = c;
          },
          process: (r) => {
            // Deliberately not awaited: the context queues the second forward behind the first.
            void ctx.forward({ ...r, value: `${r.value}-1` });
            void ctx.forward({ ...r, value: `${r.value}-2` });
          },
        };
      })
      .process<string, string>(() => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => {
            ctx = c;
          },
          process: async (r) => {
            await new Promise((resolve) => setTimeout(resolve, r.value.endsWith('-1') ? 5 : 0));
            await ctx.forward(r);
          },
        };
      })
      .to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'a');
    await input.pipeInput('k', 'b');
    expect(driver.createOutputTopic('out', S, S).readValuesToList()).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    await driver.close();
  });

  it('refuses access to a store the processor is not connected to', async () => {
    const builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('private'), S, L));
    builder.stream('other', { key: S, value: S }).process(() => ({ process() {} }), { stores: ['private'] });
    builder.stream('in', { key: S, value: S }).process(() => ({
      init(c: ProcessorContext<never, never>) {
        c.getStateStore('private');
      },
      process() {},
    }));
    const driver = new TopologyTestDriver(builder.build());
    await expect(driver.init()).rejects.toThrow(
      /no state store named 'private'|has no access to store 'private'/,
    );
    await driver.close().catch(() => undefined);
  });
});
