import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const I = Serdes.int();

async function run<K, V>(
  build: (b: StreamsBuilder) => void,
  input: Array<[string | null, string, number?]>,
  output: {
    topic: string;
    key: import('tributary').Serde<NonNullable<K>>;
    value: import('tributary').Serde<NonNullable<V>>;
  },
) {
  const builder = new StreamsBuilder();
  build(builder);
  const driver = new TopologyTestDriver(builder.build());
  try {
    const inTopic = driver.createInputTopic('in', S, S);
    for (const [k, v, ts] of input) await inTopic.pipeInput(k, v, ts);
    return driver.createOutputTopic<K, V>(output.topic, output.key, output.value).readRecordsToList();
  } finally {
    await driver.close();
  }
}

describe('stateless KStream operators', () => {
  it('filter and filterNot keep and drop by predicate', async () => {
    const out = await run<string, string>(
      (b) => {
        const s = b.stream('in', { key: S, value: S });
        s.filter((_k, v) => v.startsWith('a')).to('kept', { key: S, value: S });
        s.filterNot((_k, v) => v.startsWith('a')).to('dropped', { key: S, value: S });
      },
      [
        ['1', 'apple'],
        ['2', 'banana'],
        ['3', 'avocado'],
      ],
      { topic: 'kept', key: S, value: S },
    );
    expect(out.map((r) => r.value)).toEqual(['apple', 'avocado']);
  });

  it('mapValues keeps key and timestamp; map changes both key and value', async () => {
    const out = await run<string, number>(
      (b) =>
        b
          .stream('in', { key: S, value: S })
          .mapValues((v, k) => `${k}:${v}`)
          .map((k, v) => [v.toUpperCase(), (k ?? '').length] as const)
          .to('out', { key: S, value: I }),
      [['ab', 'x', 5]],
      { topic: 'out', key: S, value: I },
    );
    expect(out).toEqual([{ key: 'AB:X', value: 2, timestamp: 5, headers: {} }]);
  });

  it('flatMap and flatMapValues emit zero or more records in order', async () => {
    const out = await run<string, string>(
      (b) =>
        b
          .stream('in', { key: S, value: S })
          .flatMapValues((v) => v.split(','))
          .flatMap((k, v) =>
            v === ''
              ? []
              : [
                  [`${k}-${v}`, v],
                  [`${k}-${v}!`, v],
                ],
          )
          .to('out', { key: S, value: S }),
      [['k', 'a,,b']],
      { topic: 'out', key: S, value: S },
    );
    expect(out.map((r) => r.key)).toEqual(['k-a', 'k-a!', 'k-b', 'k-b!']);
  });

  it('selectKey, peek and foreach see every record', async () => {
    const peeked: string[] = [];
    const seen: string[] = [];
    const out = await run<string, string>(
      (b) => {
        const s = b
          .stream('in', { key: S, value: S })
          .selectKey((_k, v) => v.slice(0, 1))
          .peek((k) => peeked.push(k));
        s.foreach((k, v) => seen.push(`${k}=${v}`));
        s.to('out', { key: S, value: S });
      },
      [
        [null, 'xy'],
        ['a', 'zz'],
      ],
      { topic: 'out', key: S, value: S },
    );
    expect(out.map((r) => r.key)).toEqual(['x', 'z']);
    expect(peeked).toEqual(['x', 'z']);
    expect(seen).toEqual(['x=xy', 'z=zz']);
  });

  it('split routes each record to the first matching branch, else the default branch', async () => {
    const builder = new StreamsBuilder();
    const branches = builder
      .stream('in', { key: S, value: S })
      .split({ name: 'route-' })
      .branch((_k, v) => v.includes('error'), { name: 'errors' })
      .branch((_k, v) => v.includes('warn'), { name: 'warnings' })
      .defaultBranch({ name: 'rest' });
    branches['route-errors'].to('errors', { key: S, value: S });
    branches['route-warnings'].to('warnings', { key: S, value: S });
    branches['route-rest'].to('rest', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeKeyValueList([
      { key: '1', value: 'error and warn' },
      { key: '2', value: 'warn' },
      { key: '3', value: 'info' },
    ]);
    expect(driver.createOutputTopic('errors', S, S).readValuesToList()).toEqual(['error and warn']);
    expect(driver.createOutputTopic('warnings', S, S).readValuesToList()).toEqual(['warn']);
    expect(driver.createOutputTopic('rest', S, S).readValuesToList()).toEqual(['info']);
    await driver.close();
  });

  it('merge interleaves two streams in processing order', async () => {
    const builder = new StreamsBuilder();
    const a = builder.stream('a', { key: S, value: S });
    const b = builder.stream('b', { key: S, value: S });
    a.merge(b).to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    await driver.createInputTopic('a', S, S).pipeInput('k', 'a1', 1);
    await driver.createInputTopic('b', S, S).pipeInput('k', 'b1', 2);
    await driver.createInputTopic('a', S, S).pipeInput('k', 'a2', 3);
    expect(driver.createOutputTopic('out', S, S).readValuesToList()).toEqual(['a1', 'b1', 'a2']);
    await driver.close();
  });

  it('to() with a topic extractor chooses the topic per record', async () => {
    const builder = new StreamsBuilder();
    builder.stream('in', { key: S, value: S }).to((k) => `out-${k}`, { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('x', '1');
    await input.pipeInput('y', '2');
    expect(driver.createOutputTopic('out-x', S, S).readValuesToList()).toEqual(['1']);
    expect(driver.createOutputTopic('out-y', S, S).readValuesToList()).toEqual(['2']);
    expect(driver.producedTopicNames().sort()).toEqual(['out-x', 'out-y']);
    await driver.close();
  });

  it('passes headers and null keys/values through serdes untouched', async () => {
    const builder = new StreamsBuilder();
    builder.stream('in', { key: S, value: S }).to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    await driver.createInputTopic('in', S, S).pipeRecord({ value: 'v', headers: { h: 'x' }, timestamp: 9 });
    expect(driver.createOutputTopic('out', S, S).readRecord()).toEqual({
      key: null,
      value: 'v',
      timestamp: 9,
      headers: { h: 'x' },
    });
    await driver.close();
  });

  it('rejects a pipe to a topic no source reads', async () => {
    const builder = new StreamsBuilder();
    builder.stream('in', { key: S, value: S }).to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    await expect(driver.createInputTopic('nope', S, S).pipeInput('k', 'v')).rejects.toThrow(
      /unknown input topic 'nope'/,
    );
    await driver.close();
  });
});
